import { Actor, ChangeReason } from '@telcomesh/platform';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { SubmitResult } from '../approvals/change-approvals';
import { NotifierCore } from '../notifier-core';
import {
  ChangeResultDto,
  IntegrationHealthDto,
  IntegrationSummaryDto,
  IntegrationTypeDto,
  TestSendResultDto,
} from './notifier.dto';

interface StatusSettable {
  status(code: number): unknown;
}

/** 200 when the change applied (or changed nothing), 202 when it waits for approvals. */
export function changeAnswer(result: SubmitResult, response: StatusSettable): ChangeResultDto {
  if (result.status === 'pending_approval') {
    response.status(202);
    return { status: result.status, key: result.request.key, request: result.request };
  }
  return result;
}

@ApiTags('integrations')
@ApiHeader({ name: 'x-actor', required: false, description: 'Who acts (set by the gateway)' })
@Controller('integrations')
export class IntegrationsController {
  constructor(@Inject(NotifierCore) private readonly core: NotifierCore) {}

  @Get()
  @ApiOperation({ summary: 'List integrations with their state, circuit and backlog' })
  @ApiOkResponse({ type: [IntegrationSummaryDto] })
  async list(): Promise<IntegrationSummaryDto[]> {
    const backlog = await this.core.queue.backlog();
    return this.core.control.entries().map((e) => ({
      name: e.name,
      type: e.type,
      enabled: e.enabled,
      origin: e.origin,
      version: e.version,
      updated_at: e.updatedAt.toISOString(),
      updated_by: e.updatedBy,
      ...(e.error ? { error: e.error } : {}),
      circuit: this.core.dispatcher.worker.circuitState(e.name),
      backlog: backlog[e.name] ?? 0,
    }));
  }

  @Get('types')
  @ApiOperation({ summary: 'Integration types this notifier can build (built-in and custom)' })
  @ApiOkResponse({ type: [IntegrationTypeDto] })
  types(): IntegrationTypeDto[] {
    return this.core.control.catalog
      .types()
      .map((k) => ({ type: k.type, title: k.title, secret_fields: [...k.secretFields] }));
  }

  @Get(':name')
  @ApiOperation({ summary: 'One integration as configured; secrets masked, env references shown' })
  @ApiNotFoundResponse()
  read(@Param('name') name: string): unknown {
    return this.core.control.read(`integrations.${name}`);
  }

  @Put(':name')
  @ApiOperation({
    summary: 'Create or replace an integration (`{ type?, enabled?, ...product settings }`)',
    description:
      'Secret fields may be `${env:NAME}` references or literals (encrypted at rest, needs NOTIFIER_SECRET_KEY). Sending back the mask `********` keeps the stored secret. Guarded keys wait for approvals (202).',
  })
  @ApiBody({
    schema: { type: 'object', example: { type: 'slack', webhook_url: '${env:SLACK_WEBHOOK_URL}' } },
  })
  @ApiHeader({ name: 'x-change-reason', required: false })
  @ApiOkResponse({ type: ChangeResultDto })
  @ApiAcceptedResponse({ type: ChangeResultDto, description: 'Waiting for approvals' })
  @ApiBadRequestResponse({ description: 'Names each bad field; secret values are never echoed' })
  async put(
    @Param('name') name: string,
    @Body() body: Record<string, unknown>,
    @Actor() actor: string,
    @ChangeReason() reason: string,
    @Res({ passthrough: true }) response: StatusSettable,
  ): Promise<ChangeResultDto> {
    return changeAnswer(
      await this.core.approvals.submit(`integrations.${name}`, body, actor, reason),
      response,
    );
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Remove an integration (its queued deliveries stay until it returns)' })
  @ApiOkResponse({ type: ChangeResultDto })
  @ApiAcceptedResponse({ type: ChangeResultDto })
  async remove(
    @Param('name') name: string,
    @Actor() actor: string,
    @ChangeReason() reason: string,
    @Res({ passthrough: true }) response: StatusSettable,
  ): Promise<ChangeResultDto> {
    return changeAnswer(
      await this.core.approvals.submit(`integrations.${name}`, undefined, actor, reason),
      response,
    );
  }

  @Post(':name/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable an integration' })
  @ApiOkResponse({ type: ChangeResultDto })
  enable(
    @Param('name') name: string,
    @Actor() actor: string,
    @ChangeReason() reason: string,
    @Res({ passthrough: true }) response: StatusSettable,
  ): Promise<ChangeResultDto> {
    return this.toggle(name, true, actor, reason, response);
  }

  @Post(':name/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an integration (nothing is routed to it; its backlog waits)' })
  @ApiOkResponse({ type: ChangeResultDto })
  disable(
    @Param('name') name: string,
    @Actor() actor: string,
    @ChangeReason() reason: string,
    @Res({ passthrough: true }) response: StatusSettable,
  ): Promise<ChangeResultDto> {
    return this.toggle(name, false, actor, reason, response);
  }

  @Get(':name/health')
  @ApiOperation({
    summary: 'Check the product now (its cheapest authenticated call) plus delivery stats',
  })
  @ApiOkResponse({ type: IntegrationHealthDto })
  @ApiNotFoundResponse()
  async health(@Param('name') name: string): Promise<IntegrationHealthDto> {
    const entry = this.core.control.entry(name);
    const health = await this.core.dispatcher.checkHealth(name);
    const stats = await this.core.dispatcher.stats(name);
    return {
      name,
      status: entry && !entry.enabled ? 'disabled' : health.healthy ? 'healthy' : 'unhealthy',
      detail: health.detail,
      latency_ms: health.latencyMs,
      checked_at: new Date().toISOString(),
      circuit: stats.circuit,
      backlog: stats.backlog,
      recent_attempts: stats.recentAttempts,
      success_rate: stats.successRate,
      latency_p50_ms: stats.latencyP50Ms,
      latency_p99_ms: stats.latencyP99Ms,
    };
  }

  @Post(':name/test')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send one test notification now and return what the product answered' })
  @ApiOkResponse({ type: TestSendResultDto })
  async test(@Param('name') name: string, @Actor() actor: string): Promise<TestSendResultDto> {
    return this.core.dispatcher.testSend(name, actor);
  }

  private async toggle(
    name: string,
    enabled: boolean,
    actor: string,
    reason: string,
    response: StatusSettable,
  ): Promise<ChangeResultDto> {
    const current = this.core.control.read(`integrations.${name}`) as Record<string, unknown>;
    return changeAnswer(
      await this.core.approvals.submit(
        `integrations.${name}`,
        { ...current, enabled },
        actor,
        reason,
      ),
      response,
    );
  }
}
