import { Body, Controller, Delete, Get, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import {
  parseSilence,
  RoutingConfigError,
  silenceState,
  type Matcher,
  type Silence,
} from '@telcomesh/notifier-routing';
import { Actor, DomainError, ErrorCode } from '@telcomesh/platform';
import { NotifierCore } from '../notifier-core';
import { SilenceDto, SilenceInputDto } from './notifier.dto';

/** A matcher as written: value quoted so regexes and spaces survive a round trip. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.operator}"${m.value.replace(/["\\]/g, '\\$&')}"`;
}

function toDto(s: Silence, now = new Date()): SilenceDto {
  return {
    id: s.id,
    matchers: s.matchers.map(formatMatcher),
    starts_at: s.startsAt.toISOString(),
    ends_at: s.endsAt.toISOString(),
    created_by: s.createdBy,
    comment: s.comment,
    state: silenceState(s, now),
  };
}

const STATES = ['pending', 'active', 'expired'] as const;

@ApiTags('silences')
@Controller('silences')
export class SilencesController {
  constructor(@Inject(NotifierCore) private readonly core: NotifierCore) {}

  @Get()
  @ApiOperation({ summary: 'Silences and maintenance windows' })
  @ApiQuery({ name: 'state', required: false, enum: STATES })
  @ApiOkResponse({ type: [SilenceDto] })
  async list(@Query('state') state?: string): Promise<SilenceDto[]> {
    if (state !== undefined && !(STATES as readonly string[]).includes(state)) {
      throw new DomainError(ErrorCode.InvalidInput, `state must be one of ${STATES.join(', ')}`);
    }
    return (await this.core.silences.list(state as (typeof STATES)[number] | undefined)).map((s) =>
      toDto(s),
    );
  }

  @Post()
  @ApiOperation({
    summary:
      'Silence notifications matching every matcher (label=value, !=, =~ regex, !~) until ends_at',
  })
  @ApiHeader({ name: 'x-actor', required: false })
  @ApiCreatedResponse({ type: SilenceDto })
  @ApiBadRequestResponse({ description: 'Names each bad field or matcher' })
  async create(@Body() body: SilenceInputDto, @Actor() actor: string): Promise<SilenceDto> {
    let silence: Silence;
    try {
      silence = parseSilence({
        id: body.id ?? randomUUID(),
        matchers: body.matchers,
        starts_at: body.starts_at ?? new Date().toISOString(),
        ends_at: body.ends_at,
        created_by: actor,
        comment: body.comment ?? '',
      });
    } catch (error) {
      if (error instanceof RoutingConfigError) {
        throw new DomainError(ErrorCode.InvalidInput, error.problems.join('; '), {
          problems: error.problems,
        });
      }
      throw error;
    }
    await this.core.silences.put(silence);
    return toDto(silence);
  }

  @Get(':id')
  @ApiOkResponse({ type: SilenceDto })
  @ApiNotFoundResponse()
  async get(@Param('id') id: string): Promise<SilenceDto> {
    const silence = await this.core.silences.get(id);
    if (!silence) throw new DomainError(ErrorCode.NotFound, `silence ${id} does not exist`);
    return toDto(silence);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Expire a silence now (kept for the record)' })
  @ApiOkResponse({ type: SilenceDto })
  @ApiNotFoundResponse()
  async expire(@Param('id') id: string): Promise<SilenceDto> {
    await this.core.silences.expire(id);
    return this.get(id);
  }
}
