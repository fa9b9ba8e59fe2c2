import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AuthError, type Authenticator, type Principal } from '@telcomesh/auth';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import type { Caller } from './caller';

export const AUTHENTICATOR = Symbol('AUTHENTICATOR');
export const JOB_LIVENESS = Symbol('JOB_LIVENESS');
export const ADMIN_USER_ID = Symbol('ADMIN_USER_ID');

/** Whether a job's token may still be used: only while the job runs. */
export interface JobLiveness {
  isRunning(provisionId: number): Promise<boolean>;
}

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  socket: { remoteAddress?: string };
  caller?: Caller;
}

function idOf(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Maps the library's principal to what the provisioning API works with. */
export function callerOf(principal: Principal, adminUserId: string): Caller {
  const customerId = idOf(principal.customerId ?? principal.scope?.customerId);
  const provisionId = idOf(principal.scope?.provisionId);
  return {
    // Seed: a JWT's subject; API-key and allow-listed callers act as the first admin user.
    userId:
      principal.kind === 'api_key' || principal.kind === 'ip' ? adminUserId : principal.subject,
    kind: principal.kind,
    permissions: principal.permissions,
    ...(customerId !== undefined ? { customerId } : {}),
    ...(provisionId !== undefined ? { provisionId } : {}),
  };
}

/**
 * Seed 002's three methods — Bearer JWT, `X-API-KEY`, IP allow-list — on every CRM and provision
 * route. A job's own token is accepted only while that job runs.
 */
@Injectable()
export class CrmAuthGuard implements CanActivate {
  constructor(
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    @Inject(JOB_LIVENESS) private readonly jobs: JobLiveness,
    @Inject(ADMIN_USER_ID) private readonly adminUserId: string,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    let principal: Principal;
    try {
      principal = await this.authenticator.authenticate({
        ...(request.headers.authorization !== undefined
          ? { authorization: request.headers.authorization }
          : {}),
        ...(request.headers['x-api-key'] !== undefined
          ? { apiKey: request.headers['x-api-key'] }
          : {}),
        ...(request.socket.remoteAddress !== undefined
          ? { remoteAddress: request.socket.remoteAddress }
          : {}),
        ...(request.headers['x-forwarded-for'] !== undefined
          ? { forwardedFor: request.headers['x-forwarded-for'] }
          : {}),
      });
    } catch (error) {
      if (error instanceof AuthError) {
        throw new DomainError(
          error.code === 'FORBIDDEN' ? ErrorCode.Forbidden : ErrorCode.Unauthorized,
          error.message,
        );
      }
      throw error;
    }
    const caller = callerOf(principal, this.adminUserId);
    if (
      caller.kind === 'job' &&
      (caller.provisionId === undefined || !(await this.jobs.isRunning(caller.provisionId)))
    ) {
      throw new DomainError(
        ErrorCode.Unauthorized,
        'job token is no longer valid: its job has ended',
      );
    }
    request.caller = caller;
    return true;
  }
}
