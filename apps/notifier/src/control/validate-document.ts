import type { ClassConstructor } from 'class-transformer';
import { RoutingConfigError, validatePlain } from '@telcomesh/notifier-routing';

/** Validates one settings document, throwing a RoutingConfigError that names every bad field. */
export function validateDocument<T extends object>(
  configClass: ClassConstructor<T>,
  raw: unknown,
  what: string,
): T {
  const result = validatePlain(configClass, raw, '');
  if (!result.value) throw new RoutingConfigError(what, result.problems);
  return result.value;
}
