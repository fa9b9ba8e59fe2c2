import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { DomainError, ErrorCode } from '@telcomesh/platform';

/** A calendar or policy definition is invalid; `problems` names every bad field (`path: reason`). */
export class SlaDefinitionError extends DomainError {
  constructor(
    readonly what: string,
    readonly problems: readonly string[],
  ) {
    super(
      ErrorCode.InvalidInput,
      `${what}: invalid definition (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
      { problems },
    );
    this.name = 'SlaDefinitionError';
  }
}

/** A ticket's data cannot be replayed (bad time, unordered history); the message says where. */
export class SlaInputError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.InvalidInput, message);
    this.name = 'SlaInputError';
  }
}

function flatten(errors: readonly ValidationError[], prefix: string, out: string[]): void {
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) out.push(`${path}: ${messages.join('; ')}`);
    if (error.children) flatten(error.children, path, out);
  }
}

/**
 * Turns a plain object into a validated DTO instance, or returns the problems found, each
 * prefixed with `prefix`. Unknown fields are problems too, so a misspelt key is reported rather
 * than silently ignored.
 */
export function validateDefinition<T extends object>(
  definitionClass: ClassConstructor<T>,
  raw: unknown,
  prefix: string,
): { value: T; problems: [] } | { value: undefined; problems: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { value: undefined, problems: [`${prefix || '(root)'}: must be an object`] };
  }
  const instance = plainToInstance(definitionClass, raw, { exposeDefaultValues: true });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  const problems: string[] = [];
  flatten(errors, prefix, problems);
  return problems.length > 0 ? { value: undefined, problems } : { value: instance, problems: [] };
}

/** `path` joined the way class-validator paths are (`a.b.0.c`). */
export function joinPath(prefix: string, ...parts: (string | number)[]): string {
  return [prefix, ...parts.map(String)].filter((p) => p !== '').join('.');
}
