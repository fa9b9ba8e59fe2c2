/** How the caller authenticated; decides which customer it may act for (see `canActOnCustomer`). */
export type PrincipalKind = 'user' | 'customer' | 'api_key' | 'ip' | 'job';

export const PRINCIPAL_KINDS: readonly PrincipalKind[] = [
  'user',
  'customer',
  'api_key',
  'ip',
  'job',
];

/** What a job-scoped token may touch: one provisioning job and the customer it runs for. */
export interface JobScope {
  readonly provisionId: string;
  readonly customerId: string;
}

/** The authenticated caller, whatever method was used. Built by this library only. */
export interface Principal {
  /** User id for JWTs; `api_key:<id>`, `ip:<address>` or `job:<provisionId>` otherwise. */
  readonly subject: string;
  readonly kind: PrincipalKind;
  readonly roles: readonly string[];
  /** Effective permissions: the roles' permissions plus any granted explicitly. */
  readonly permissions: ReadonlySet<string>;
  /** Set when the caller is bound to one customer (customer tokens, customer API keys, jobs). */
  readonly customerId?: string;
  readonly scope?: JobScope;
  /** `jti` of the token, when the principal came from a JWT. */
  readonly tokenId?: string;
  readonly expiresAt?: Date;
}
