import { AuthError } from './auth-error';
import {
  ALL_PERMISSIONS,
  authorize,
  can,
  canActOnCustomer,
  canViewProvision,
  initiatingUser,
  Permission,
  permissionsFor,
} from './permissions';
import type { Principal, PrincipalKind } from './principal';

function principal(
  kind: PrincipalKind,
  roles: string[],
  extra: Partial<Principal> & { explicit?: string[] } = {},
): Principal {
  const { explicit, ...rest } = extra;
  return { subject: 's', kind, roles, permissions: permissionsFor(roles, explicit), ...rest };
}

const admin = principal('user', ['admin']);
const staff = principal('user', ['staff']);
const customer = principal('customer', ['customer'], { customerId: '7' });
const job = principal('job', [], {
  explicit: [Permission.VIEW_OWN_PROVISION, Permission.MANAGE_SERVICE],
  customerId: '7',
  scope: { provisionId: '1', customerId: '7' },
});

describe('role permissions', () => {
  it('gives admin everything', () => {
    for (const permission of ALL_PERMISSIONS) expect(can(admin, permission)).toBe(true);
  });

  it('gives staff provisioning and read access, not management', () => {
    expect(can(staff, Permission.CREATE_PROVISION)).toBe(true);
    expect(can(staff, Permission.VIEW_PROVISION)).toBe(true);
    expect(can(staff, Permission.VIEW_CATALOGUE)).toBe(true);
    expect(can(staff, Permission.MANAGE_CATALOGUE)).toBe(false);
    expect(can(staff, Permission.MANAGE_INVENTORY)).toBe(false);
  });

  it('gives customers create and view-own only', () => {
    expect([...customer.permissions].sort()).toEqual(
      [Permission.CREATE_PROVISION, Permission.VIEW_OWN_PROVISION].sort(),
    );
  });

  it('ignores unknown roles and keeps explicit grants', () => {
    expect(permissionsFor(['root']).size).toBe(0);
    expect([...permissionsFor(['root'], [Permission.VIEW_SERVICE])]).toEqual([
      Permission.VIEW_SERVICE,
    ]);
  });
});

describe('canActOnCustomer', () => {
  it('lets admin and staff act on any customer', () => {
    expect(canActOnCustomer(admin, 1)).toBe(true);
    expect(canActOnCustomer(staff, '99')).toBe(true);
  });

  it('limits customers and job tokens to their own customer', () => {
    expect(canActOnCustomer(customer, 7)).toBe(true);
    expect(canActOnCustomer(customer, '7')).toBe(true);
    expect(canActOnCustomer(customer, 8)).toBe(false);
    expect(canActOnCustomer(job, '7')).toBe(true);
    expect(canActOnCustomer(job, '70')).toBe(false);
  });

  it('binds a principal carrying a customer id even with an admin role', () => {
    const boundKey = principal('api_key', ['admin'], { customerId: '3' });
    expect(canActOnCustomer(boundKey, 3)).toBe(true);
    expect(canActOnCustomer(boundKey, 4)).toBe(false);
    const customerClaimingAdmin = principal('customer', ['admin'], { customerId: '7' });
    expect(canActOnCustomer(customerClaimingAdmin, 8)).toBe(false);
  });

  it('denies by default', () => {
    expect(canActOnCustomer(principal('user', []), 1)).toBe(false);
    expect(canActOnCustomer(principal('customer', ['customer']), 1)).toBe(false); // no id
    expect(canActOnCustomer(principal('job', []), 1)).toBe(false); // no scope
    expect(canActOnCustomer(admin, undefined)).toBe(false);
    expect(canActOnCustomer(admin, '')).toBe(false);
  });
});

describe('canViewProvision', () => {
  it('lets staff see any job and a customer only its own', () => {
    expect(canViewProvision(staff, 5)).toBe(true);
    expect(canViewProvision(customer, 7)).toBe(true);
    expect(canViewProvision(customer, 5)).toBe(false);
    expect(canViewProvision(job, 7)).toBe(true);
    expect(canViewProvision(job, 5)).toBe(false);
  });

  it('does not treat VIEW_OWN_PROVISION as "any" for an unbound principal', () => {
    const unbound = principal('user', [], { explicit: [Permission.VIEW_OWN_PROVISION] });
    expect(canViewProvision(unbound, 5)).toBe(false);
    expect(canViewProvision(principal('user', []), 5)).toBe(false);
  });
});

describe('authorize', () => {
  it('throws 403 without the permission or for another customer', () => {
    expect(() => authorize(customer, Permission.CREATE_PROVISION, { customerId: 7 })).not.toThrow();
    const denied = (fn: () => void): AuthError => {
      try {
        fn();
      } catch (error) {
        return error as AuthError;
      }
      throw new Error('expected a throw');
    };
    const other = denied(() => authorize(customer, Permission.CREATE_PROVISION, { customerId: 8 }));
    expect([other.status, other.code, other.reason]).toEqual([403, 'FORBIDDEN', 'forbidden']);
    const missing = denied(() => authorize(staff, Permission.MANAGE_CATALOGUE));
    expect(missing.message).toContain('MANAGE_CATALOGUE');
    expect(() => authorize(job, Permission.CREATE_PROVISION, { customerId: 7 })).toThrow(AuthError);
  });
});

describe('initiatingUser', () => {
  it('is the token user, or the first admin for API-key and IP callers', () => {
    expect(initiatingUser({ ...staff, subject: '42' }, '1')).toBe('42');
    expect(initiatingUser({ ...customer, subject: '43' }, '1')).toBe('43');
    expect(initiatingUser(principal('api_key', ['admin']), '1')).toBe('1');
    expect(initiatingUser(principal('ip', ['admin']), '1')).toBe('1');
  });
});
