import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import type { Caller } from './caller';

/** The caller the auth guard attached to the request. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<{ caller?: Caller }>().caller;
  if (!caller) throw new DomainError(ErrorCode.Unauthorized, 'not authenticated');
  return caller;
});
