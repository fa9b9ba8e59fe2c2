import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@telcomesh/platform';
import type { IngestorConfig } from '../ingestor.config';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Bearer-token check for webhook senders, constant-time; off when no token is configured. */
@Injectable()
export class WebhookTokenGuard implements CanActivate {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime<IngestorConfig>) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.runtime.config.INGESTOR_WEBHOOK_TOKEN;
    if (!expected) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!presented || !timingSafeEqual(digest(presented), digest(expected))) {
      throw new UnauthorizedException('missing or invalid bearer token');
    }
    return true;
  }
}
