import { DomainError, ErrorCode } from '@telcomesh/platform';

export { Permission } from '@telcomesh/auth';
import type { Permission } from '@telcomesh/auth';

/** Who is calling, after authentication (Bearer JWT, X-API-KEY, IP allow-list or a job token). */
export interface Caller {
  /** Recorded as `initiating_user`: the JWT subject, or the first admin for key/IP callers (seed). */
  userId: string;
  kind: 'user' | 'customer' | 'api_key' | 'ip' | 'job';
  permissions: ReadonlySet<string>;
  /** Customers and job tokens act for one customer only. */
  customerId?: number;
  /** Job tokens: the provision they belong to. */
  provisionId?: number;
}

export function can(caller: Caller, permission: Permission): boolean {
  return caller.permissions.has(permission);
}

/** Staff (CREATE_PROVISION / VIEW_PROVISION) act for anyone; customers and jobs for their own customer. */
export function actsFor(caller: Caller, customerId: number | null | undefined): boolean {
  if (caller.kind === 'customer' || caller.kind === 'job') {
    return customerId !== null && customerId !== undefined && caller.customerId === customerId;
  }
  return true;
}

export function requirePermission(caller: Caller, ...anyOf: Permission[]): void {
  if (!anyOf.some((p) => can(caller, p))) {
    throw new DomainError(ErrorCode.Forbidden, `needs permission ${anyOf.join(' or ')}`);
  }
}

/** Not found rather than forbidden: a customer must not learn that another's record exists. */
export function requireCustomer(
  caller: Caller,
  customerId: number | null | undefined,
  what: string,
): void {
  if (!actsFor(caller, customerId))
    throw new DomainError(ErrorCode.NotFound, `${what} does not exist`);
}
