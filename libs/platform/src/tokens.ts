/** Injection tokens for what the platform hands every service module. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
export const SERVICE_RUNTIME = Symbol('SERVICE_RUNTIME');
