import { AuthError } from './auth-error';
import type { Principal } from './principal';

/** Everything a principal may be allowed to do. Strings travel in JWT `permissions` claims. */
export const Permission = {
  /** Start a provisioning job (for a customer the principal may act for). */
  CREATE_PROVISION: 'CREATE_PROVISION',
  /** See the jobs of the principal's own customer only. */
  VIEW_OWN_PROVISION: 'VIEW_OWN_PROVISION',
  /** See any job (still limited by `canActOnCustomer` for customer-bound principals). */
  VIEW_PROVISION: 'VIEW_PROVISION',
  CANCEL_PROVISION: 'CANCEL_PROVISION',
  VIEW_CATALOGUE: 'VIEW_CATALOGUE',
  MANAGE_CATALOGUE: 'MANAGE_CATALOGUE',
  VIEW_INVENTORY: 'VIEW_INVENTORY',
  MANAGE_INVENTORY: 'MANAGE_INVENTORY',
  VIEW_CUSTOMER: 'VIEW_CUSTOMER',
  MANAGE_CUSTOMER: 'MANAGE_CUSTOMER',
  VIEW_SERVICE: 'VIEW_SERVICE',
  MANAGE_SERVICE: 'MANAGE_SERVICE',
  VIEW_TRANSACTION: 'VIEW_TRANSACTION',
  MANAGE_TRANSACTION: 'MANAGE_TRANSACTION',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(Permission);

export function isPermission(value: string): value is Permission {
  return (ALL_PERMISSIONS as readonly string[]).includes(value);
}

export const Role = {
  Admin: 'admin',
  Staff: 'staff',
  Customer: 'customer',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ALL_ROLES: readonly Role[] = Object.values(Role);

export function isRole(value: string): value is Role {
  return (ALL_ROLES as readonly string[]).includes(value);
}

/** Role → permissions. Unknown roles grant nothing. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ALL_PERMISSIONS,
  staff: [
    Permission.CREATE_PROVISION,
    Permission.VIEW_PROVISION,
    Permission.VIEW_OWN_PROVISION,
    Permission.VIEW_CATALOGUE,
    Permission.VIEW_INVENTORY,
    Permission.VIEW_CUSTOMER,
    Permission.VIEW_SERVICE,
  ],
  // Customers provision and see jobs for their own account only: `canActOnCustomer` binds them.
  customer: [Permission.CREATE_PROVISION, Permission.VIEW_OWN_PROVISION],
};

/**
 * What a playbook needs to call back into the CRM API for its own job (read the product, read and
 * assign inventory, create the service and transaction). Never CREATE_PROVISION or MANAGE_CATALOGUE.
 */
export const JOB_PERMISSIONS: readonly Permission[] = [
  Permission.VIEW_OWN_PROVISION,
  Permission.VIEW_CATALOGUE,
  Permission.VIEW_INVENTORY,
  Permission.MANAGE_INVENTORY,
  Permission.VIEW_CUSTOMER,
  Permission.VIEW_SERVICE,
  Permission.MANAGE_SERVICE,
  Permission.MANAGE_TRANSACTION,
];

/** Effective permission set: the union of the roles' permissions and explicit grants. */
export function permissionsFor(
  roles: readonly string[],
  explicit: Iterable<string> = [],
): Set<string> {
  const out = new Set<string>(explicit);
  for (const role of roles) {
    if (isRole(role)) for (const permission of ROLE_PERMISSIONS[role]) out.add(permission);
  }
  return out;
}

export function can(principal: Principal, permission: Permission): boolean {
  return principal.permissions.has(permission);
}

/**
 * The one customer a principal is bound to, `undefined` when it may act for any customer, or
 * `null` when it may act for none. Deny by default: only admin/staff roles are unbound.
 */
function customerBinding(principal: Principal): string | undefined | null {
  switch (principal.kind) {
    case 'job':
      return principal.scope?.customerId ?? null;
    case 'customer':
      return principal.customerId ?? null;
    case 'user':
    case 'api_key':
    case 'ip':
      if (principal.customerId !== undefined) return principal.customerId;
      return principal.roles.some((role) => role === Role.Admin || role === Role.Staff)
        ? undefined
        : null;
  }
}

/**
 * May this principal act on (read or write data of) this customer? Admin and staff: any customer.
 * Customer tokens, customer-bound API keys and job tokens: only their own customer id.
 */
export function canActOnCustomer(
  principal: Principal,
  customerId: string | number | null | undefined,
): boolean {
  if (customerId === null || customerId === undefined || String(customerId) === '') return false;
  const bound = customerBinding(principal);
  if (bound === null) return false;
  return bound === undefined || bound === String(customerId);
}

/**
 * The seed's read rule for a job: VIEW_PROVISION sees any job it may act on; VIEW_OWN_PROVISION
 * sees only jobs of the customer the principal is bound to.
 */
export function canViewProvision(
  principal: Principal,
  provisionCustomerId: string | number | null | undefined,
): boolean {
  if (can(principal, Permission.VIEW_PROVISION)) {
    return canActOnCustomer(principal, provisionCustomerId);
  }
  if (can(principal, Permission.VIEW_OWN_PROVISION)) {
    const bound = customerBinding(principal);
    return (
      typeof bound === 'string' &&
      provisionCustomerId !== null &&
      provisionCustomerId !== undefined &&
      bound === String(provisionCustomerId)
    );
  }
  return false;
}

/**
 * Throws a 403 `AuthError` unless the principal has the permission and, when a customer id is
 * given, may act on that customer.
 */
export function authorize(
  principal: Principal,
  permission: Permission,
  target?: { customerId: string | number | null | undefined },
): void {
  if (!can(principal, permission)) {
    throw new AuthError('forbidden', `missing permission ${permission}`);
  }
  if (target !== undefined && !canActOnCustomer(principal, target.customerId)) {
    throw new AuthError('forbidden', 'not allowed to act on this customer');
  }
}

/**
 * The seed's `initiating_user`: the user id of a token, or the first admin user's id for the
 * API-key and IP-allow-list paths (and anything else that is not a person).
 */
export function initiatingUser(principal: Principal, firstAdminUserId: string): string {
  return principal.kind === 'user' || principal.kind === 'customer'
    ? principal.subject
    : firstAdminUserId;
}
