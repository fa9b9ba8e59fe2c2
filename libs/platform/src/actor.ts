import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode } from './domain-error';

const ACTOR = /^[\w.@+-]{1,200}$/;

/**
 * Who is acting, from `x-actor` (set by the gateway from the caller's token; it strips the header
 * from client requests). Changes without one are recorded as `api`; approving needs one.
 */
export const Actor = createParamDecorator(
  (required: boolean | undefined, ctx: ExecutionContext) => {
    const value = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>()
      .headers['x-actor'];
    if (value === undefined || value === '') {
      if (required) throw new DomainError(ErrorCode.InvalidInput, 'x-actor header is required');
      return 'api';
    }
    if (!ACTOR.test(value)) {
      throw new DomainError(
        ErrorCode.InvalidInput,
        'x-actor must be 1-200 letters, digits or _ . @ + -',
      );
    }
    return value;
  },
);

/** `x-change-reason`: why, recorded with the change (seed: "who, key, old → new, reason"). */
export const ChangeReason = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const value = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>()
    .headers['x-change-reason'];
  return (value ?? '').slice(0, 500);
});
