import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Actor, ChangeReason, DomainError, ErrorCode } from '@telcomesh/platform';
import { BusinessCalendarDefinition, SlaPolicyDefinition } from '../sla';
import type { CatalogKind } from '../sla-runtime/sla-catalog-store';
import { TicketSlaCore } from '../ticket-sla-core';

export class PolicyPositionDto {
  @ApiPropertyOptional({
    description:
      'Place in the matching order among equally specific policies (0 = first); default: keep, or last',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100_000)
  position?: number;
}

const CALENDAR_EXAMPLE = {
  id: 'moscow-office',
  timeZone: 'Europe/Moscow',
  weeklyHours: { monday: [{ start: '09:00', end: '18:00' }] },
  holidays: [{ date: '2026-01-01', name: 'New Year' }],
};

const POLICY_EXAMPLE = {
  id: 'p1-network',
  name: 'P1 network: response 15 min, resolution 4 h',
  calendarId: 'moscow-office',
  match: { priorities: ['P1'], categories: ['Network'] },
  targets: { responseMinutes: 15, resolutionMinutes: 240 },
  atRiskThresholds: [0.75, 0.9],
  pauseStatuses: ['On Hold', 'Awaiting Customer'],
  stopStatuses: ['Resolved', 'Closed'],
  cancelStatuses: ['Canceled'],
};

/** The body as plain JSON (the calculator validates documents, not class instances). */
const plain = (body: object): Record<string, unknown> =>
  JSON.parse(JSON.stringify(body)) as Record<string, unknown>;

/**
 * SLA calendars and policies (config as code: those from TICKET_SLA_POLICY_FILE are read-only
 * here). Every change is validated against the whole catalog, published on config.changes.v1,
 * and the open tickets it affects are recomputed in the background (`GET /sla/recompute`).
 */
@ApiTags('sla')
@Controller('sla')
export class SlaCatalogController {
  constructor(@Inject(TicketSlaCore) private readonly core: TicketSlaCore) {}

  @Get('calendars')
  @ApiOperation({ summary: 'Business calendars with who manages them (file or api)' })
  async calendars() {
    return (await this.core.catalogStore.documents()).calendars;
  }

  @Get('calendars/:id')
  @ApiNotFoundResponse()
  async calendar(@Param('id') id: string) {
    return this.find('calendar', id);
  }

  @Put('calendars/:id')
  @ApiOperation({
    summary: 'Create or replace a business calendar; a wrong field is a 400 naming it',
  })
  @ApiBody({ schema: { type: 'object', example: CALENDAR_EXAMPLE } })
  @ApiHeader({ name: 'x-actor', required: false })
  async putCalendar(
    @Param('id') id: string,
    @Body() body: BusinessCalendarDefinition,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ) {
    this.sameId(id, body.id);
    await this.core.changeCatalog(
      (manager) => this.core.catalogStore.put('calendar', id, plain(body), actor, manager),
      actor,
      reason,
    );
    return this.find('calendar', id);
  }

  @Delete('calendars/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a business calendar no policy uses' })
  @ApiNotFoundResponse()
  async deleteCalendar(
    @Param('id') id: string,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ): Promise<void> {
    await this.core.changeCatalog(
      (manager) => this.core.catalogStore.delete('calendar', id, manager),
      actor,
      reason,
    );
  }

  @Get('policies')
  @ApiOperation({
    summary: 'SLA policies in matching order (most specific wins; ties: listed first)',
  })
  async policies() {
    return (await this.core.catalogStore.documents()).policies;
  }

  @Get('policies/:id')
  @ApiNotFoundResponse()
  async policy(@Param('id') id: string) {
    return this.find('policy', id);
  }

  @Put('policies/:id')
  @ApiOperation({
    summary: 'Create or replace an SLA policy; open tickets it affects are recomputed',
  })
  @ApiBody({ schema: { type: 'object', example: POLICY_EXAMPLE } })
  @ApiHeader({ name: 'x-actor', required: false })
  async putPolicy(
    @Param('id') id: string,
    @Body() body: SlaPolicyDefinition,
    @Query() q: PolicyPositionDto,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ) {
    this.sameId(id, body.id);
    await this.core.changeCatalog(
      (manager) =>
        this.core.catalogStore.put('policy', id, plain(body), actor, manager, q.position),
      actor,
      reason,
    );
    return this.find('policy', id);
  }

  @Delete('policies/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an SLA policy; its open tickets fall to the next matching policy (or none)',
  })
  @ApiNotFoundResponse()
  async deletePolicy(
    @Param('id') id: string,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ): Promise<void> {
    await this.core.changeCatalog(
      (manager) => this.core.catalogStore.delete('policy', id, manager),
      actor,
      reason,
    );
  }

  @Get('recompute')
  @ApiOperation({ summary: 'Progress of recomputing open tickets after the last catalog change' })
  recompute() {
    return this.core.engine.recomputeStatus;
  }

  private sameId(path: string, body: string) {
    if (path !== body)
      throw new DomainError(
        ErrorCode.InvalidInput,
        `id: the body's id "${body}" differs from the path's "${path}"`,
      );
  }

  private async find(kind: CatalogKind, id: string) {
    const docs = await this.core.catalogStore.documents();
    const found = (kind === 'calendar' ? docs.calendars : docs.policies).find((d) => d.id === id);
    if (found === undefined) throw new DomainError(ErrorCode.NotFound, `no SLA ${kind} "${id}"`);
    return found;
  }
}
