export {
  AccessTokens,
  bearerToken,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_MAX_TTL_SECONDS,
  MAX_CLOCK_TOLERANCE_SECONDS,
  type AccessTokensOptions,
  type JobTokenInput,
  type TokenClaimsInput,
} from './access-tokens';
export {
  ApiKeyRing,
  apiKeyConfigProblems,
  generateApiKey,
  hashApiKey,
  type ApiKeyConfig,
} from './api-keys';
export { AuthError, type AuthErrorCode, type AuthFailureReason } from './auth-error';
export { Authenticator, type AuthenticatorParts, type AuthRequest } from './authenticator';
export {
  clientIp,
  IpAllowList,
  parseCidr,
  parseIp,
  type IpFamily,
  type ParsedCidr,
  type ParsedIp,
} from './ip';
export {
  asymmetricKeys,
  hmacKeys,
  JwtKeyError,
  MIN_HS256_SECRET_BYTES,
  type JwtAlgorithm,
  type JwtKeys,
} from './jwt-keys';
export {
  ALL_PERMISSIONS,
  ALL_ROLES,
  authorize,
  can,
  canActOnCustomer,
  canViewProvision,
  initiatingUser,
  isPermission,
  isRole,
  JOB_PERMISSIONS,
  Permission,
  permissionsFor,
  Role,
  ROLE_PERMISSIONS,
} from './permissions';
export { PRINCIPAL_KINDS, type JobScope, type Principal, type PrincipalKind } from './principal';
export { AUTH_ENV, parseAuthSettings, type AuthSettings, type JwtSettings } from './settings';
