import { Controller, Get, HttpCode, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { isSharedServer } from '@telcomesh/persistence';
import { SERVICE_RUNTIME } from './tokens';
import type { ServiceRuntime } from './runtime';

interface CheckResult {
  status: 'up' | 'down';
  kind?: string;
  latencyMs: number;
  error?: string;
}

async function check(
  kind: string | undefined,
  probe: () => Promise<unknown>,
): Promise<CheckResult> {
  const started = performance.now();
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('timed out after 2000 ms')), 2000).unref(),
      ),
    ]);
    return { status: 'up', kind, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      status: 'down',
      kind,
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  @Get('live')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  @ApiOkResponse({ description: 'Alive' })
  live(): { status: 'ok'; service: string } {
    return { status: 'ok', service: this.runtime.service };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: database, message bus and cache answer' })
  @ApiOkResponse({ description: 'Every dependency is up' })
  @ApiServiceUnavailableResponse({
    description: 'At least one dependency is down; the body says which',
  })
  async ready(@Res() response: Response): Promise<void> {
    const { dataSource, transport, cache, relay } = this.runtime;
    const [database, bus, cacheCheck] = await Promise.all([
      check(isSharedServer(dataSource) ? 'postgres' : 'pglite', () => dataSource.query('SELECT 1')),
      check(transport.kind, () => transport.ping()),
      check(cache.kind, () => cache.ping()),
    ]);
    const checks: Record<string, CheckResult> = { database, bus, cache: cacheCheck };
    const relayError = relay.error;
    checks.outbox = relayError
      ? { status: 'down', latencyMs: 0, error: relayError.message }
      : { status: 'up', latencyMs: 0 };
    const up = Object.values(checks).every((c) => c.status === 'up');
    response
      .status(up ? 200 : 503)
      .json({ status: up ? 'ok' : 'unavailable', service: this.runtime.service, checks });
  }
}
