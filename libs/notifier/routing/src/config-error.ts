import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** A routing configuration is invalid; `problems` names every bad field (`path: reason`). */
export class RoutingConfigError extends Error {
  constructor(
    readonly what: string,
    readonly problems: string[],
  ) {
    super(
      `${what}: invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'RoutingConfigError';
  }
}

function flatten(errors: ValidationError[], prefix: string, out: string[]): void {
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) out.push(`${path}: ${messages.join('; ')}`);
    if (error.children) flatten(error.children, path, out);
  }
}

/**
 * Turns a plain object into a validated config instance, or returns the problems found, each
 * prefixed with `prefix` (e.g. `triggers.critical_changes`). Unknown fields are problems too, so
 * a misspelt key is reported instead of silently ignored.
 */
export function validatePlain<T extends object>(
  configClass: ClassConstructor<T>,
  raw: unknown,
  prefix: string,
): { value: T; problems: [] } | { value: undefined; problems: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { value: undefined, problems: [`${prefix || '(root)'}: must be an object`] };
  }
  const instance = plainToInstance(configClass, raw, { exposeDefaultValues: true });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  const problems: string[] = [];
  flatten(errors, prefix, problems);
  return problems.length > 0 ? { value: undefined, problems } : { value: instance, problems: [] };
}
