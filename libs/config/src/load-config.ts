import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ConfigValidationError } from './config-error';
import { isSecretKey, redactUrl } from './redact';

function describe(errors: ValidationError[], env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const error of errors) {
    const raw = env[error.property];
    // Never echo a secret's value back into a log line.
    const shown =
      raw === undefined
        ? 'missing'
        : isSecretKey(error.property)
          ? 'value redacted'
          : `got "${raw.includes('@') ? redactUrl(raw) : raw}"`;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) problems.push(`${error.property}: ${messages.join('; ')} (${shown})`);
  }
  return problems.sort();
}

/**
 * Validates the process environment against a class-validator config class.
 * Empty strings count as unset so `FOO=` in a .env file means "use the default".
 */
export function loadConfig<T extends object>(
  service: string,
  configClass: ClassConstructor<T>,
  env: Record<string, string | undefined> = process.env,
): T {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const instance = plainToInstance(configClass, cleaned, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ConfigValidationError(service, describe(errors, cleaned));
  return instance;
}
