import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import {
  ceSourceOf,
  ConfigChangeAction,
  create,
  encode,
  keyOf,
  timestampFromDate,
  Topics,
} from '@telcomesh/contracts';
import { envelopeHeaders } from '@telcomesh/messaging';
import { Actor, ChangeReason, DomainError, ErrorCode } from '@telcomesh/platform';
import { TicketSlaCore } from '../ticket-sla-core';

export class RevokeAgentDto {
  @ApiPropertyOptional({ description: 'Why (kept with the revocation)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

@ApiTags('agents')
@Controller('agents')
export class AgentsController {
  constructor(@Inject(TicketSlaCore) private readonly core: TicketSlaCore) {}

  @Get()
  @ApiOperation({
    summary:
      'Agents: configured or revoked, connected (to which replica), last seen, heartbeat lag, tasks done and failed, results stored; tasks in flight on this replica',
  })
  @ApiOkResponse({ description: '`{ agents, tasks_in_flight }`' })
  async list() {
    const now = this.core.clock.now();
    const staleAfter = 3 * this.core.hubHeartbeatMs;
    const live = new Map(this.core.hub.live().map((a) => [a.agentId, a]));
    const agents = await this.core.directory.list(now, staleAfter);
    return {
      agents: agents.map((a) => ({
        ...a,
        connectedHere: live.has(a.id),
        ...(live.has(a.id) ? { lagMs: live.get(a.id)?.lagMs ?? a.lagMs } : {}),
      })),
      tasksInFlight: this.core.dispatcher.inFlight(),
    };
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke an agent: its connections are closed now and it is refused from then on',
  })
  @ApiHeader({ name: 'x-actor', required: false, description: 'Who acts (set by the gateway)' })
  @ApiNotFoundResponse({ description: 'No such agent' })
  async revoke(
    @Param('id') id: string,
    @Body() body: RevokeAgentDto,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ) {
    const why = body.reason ?? reason;
    if (!(await this.core.directory.revoke(id, actor, why, this.core.clock.now()))) {
      throw new DomainError(ErrorCode.NotFound, `no agent "${id}"`);
    }
    const closed = this.core.hub.disconnectRevoked(id);
    const change = create(Topics.ConfigChanges, {
      changeId: randomUUID(),
      service: 'ticket-sla',
      key: `agents.${id}.revoked`,
      action: ConfigChangeAction.UPDATED,
      oldValue: 'false',
      newValue: 'true',
      redacted: false,
      actor,
      reason: why,
      changedAt: timestampFromDate(new Date(this.core.clock.now())),
    });
    await this.core.publish([
      {
        topic: Topics.ConfigChanges.name,
        key: keyOf(Topics.ConfigChanges, change),
        value: encode(Topics.ConfigChanges, change),
        headers: envelopeHeaders(Topics.ConfigChanges, {
          source: ceSourceOf('ticket-sla'),
          id: change.changeId,
        }),
      },
    ]);
    const agent = (
      await this.core.directory.list(this.core.clock.now(), 3 * this.core.hubHeartbeatMs)
    ).find((a) => a.id === id);
    return { ...agent, connectionsClosed: closed };
  }
}
