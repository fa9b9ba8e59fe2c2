import { Body, Controller, Delete, Get, Inject, Param, Put, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, ChangeReason, DomainError, ErrorCode } from '@telcomesh/platform';
import { isSettingsDocument, SETTINGS_DOCUMENTS } from '../control/notifier-settings';
import { NotifierCore } from '../notifier-core';
import { changeAnswer } from './integrations.controller';
import { ChangeResultDto } from './notifier.dto';

function keyOf(document: string): string {
  if (!isSettingsDocument(document)) {
    throw new DomainError(
      ErrorCode.NotFound,
      `unknown settings document "${document}" (known: ${SETTINGS_DOCUMENTS.join(', ')})`,
    );
  }
  return `integrations.${document}`;
}

@ApiTags('settings')
@ApiParam({ name: 'document', enum: SETTINGS_DOCUMENTS })
@ApiHeader({ name: 'x-actor', required: false })
@Controller('settings')
export class SettingsController {
  constructor(@Inject(NotifierCore) private readonly core: NotifierCore) {}

  @Get(':document')
  @ApiOperation({
    summary:
      'Read a settings document: notifications (routes), grouping, rate_limits, approvals, batching',
  })
  @ApiNotFoundResponse({ description: 'Not set: defaults apply' })
  read(@Param('document') document: string): unknown {
    return this.core.control.read(keyOf(document));
  }

  @Put(':document')
  @ApiOperation({
    summary: 'Replace a settings document (validated; guarded keys wait for approvals)',
    description:
      'notifications: `{ triggers: { name: { patterns, kinds?, min_severity?, tenants?, sites?, connectors|integrations, urgency } } }`; grouping: `{ "<rule>|*": { group_by, group_wait, group_interval, repeat_interval } }`; rate_limits: `{ "<integration>": { rate_per_minute, burst } }`; approvals: `{ required_approvals: { "<key glob>": { approvers, min_approvals, timeout } }, approval_methods }`; batching: `{ batch_size, batch_timeout, max_retries, concurrency }`.',
  })
  @ApiBody({ schema: { type: 'object' } })
  @ApiHeader({ name: 'x-change-reason', required: false })
  @ApiOkResponse({ type: ChangeResultDto })
  @ApiAcceptedResponse({ type: ChangeResultDto })
  @ApiBadRequestResponse({ description: 'Names each bad field' })
  async put(
    @Param('document') document: string,
    @Body() body: Record<string, unknown>,
    @Actor() actor: string,
    @ChangeReason() reason: string,
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<ChangeResultDto> {
    return changeAnswer(
      await this.core.approvals.submit(keyOf(document), body, actor, reason),
      response,
    );
  }

  @Delete(':document')
  @ApiOperation({ summary: 'Remove a settings document (defaults apply again)' })
  @ApiOkResponse({ type: ChangeResultDto })
  async remove(
    @Param('document') document: string,
    @Actor() actor: string,
    @ChangeReason() reason: string,
    @Res({ passthrough: true }) response: { status(code: number): unknown },
  ): Promise<ChangeResultDto> {
    return changeAnswer(
      await this.core.approvals.submit(keyOf(document), undefined, actor, reason),
      response,
    );
  }
}
