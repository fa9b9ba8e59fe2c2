import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import {
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { toJson } from '@bufbuild/protobuf';
import { CallAlertSchema } from '@telcomesh/contracts';
import { Actor, DomainError, ErrorCode } from '@telcomesh/platform';
import { CallMonitorCore } from '../call-monitor-core';
import { DEFAULT_POLICY_ID } from '../alerts/call-alerting';
import { QueueAlertPolicyDto } from '../alerts/queue-alert-policy.dto';

@ApiTags('alerts')
@Controller('alerts')
export class AlertsController {
  constructor(@Inject(CallMonitorCore) private readonly core: CallMonitorCore) {}

  @Get()
  @ApiOperation({ summary: 'Alerts firing now (as published on calls.alerts.v1)' })
  @ApiOkResponse({ description: 'CallAlert messages in their JSON form' })
  active() {
    return this.core.alerting.active().map((a) => toJson(CallAlertSchema, a));
  }

  @Get('policies')
  @ApiOperation({
    summary: `Stored alert policies: per queue id, and "${DEFAULT_POLICY_ID}" for the defaults`,
  })
  policies() {
    return this.core.alerting.policies();
  }

  @Get('policies/:queueId')
  @ApiOperation({
    summary:
      'The thresholds that apply to a queue (built-in defaults, global defaults, override merged)',
  })
  effective(@Param('queueId') queueId: string) {
    const rules = this.core.alerting.rules;
    return {
      queue_id: queueId,
      override: rules.queuePolicy(queueId) ?? null,
      defaults: rules.defaults(),
    };
  }

  @Put('policies/:queueId')
  @ApiOperation({
    summary: `Set a queue's thresholds (or "${DEFAULT_POLICY_ID}" for the defaults); a wrong field is a 400 naming it`,
  })
  @ApiHeader({ name: 'x-actor', required: false, description: 'Who acts (set by the gateway)' })
  @ApiOkResponse({ description: 'The stored policy' })
  async put(
    @Param('queueId') queueId: string,
    @Body() body: QueueAlertPolicyDto,
    @Actor() actor: string,
  ) {
    // The rules validate the plain JSON themselves (cross-field checks against the defaults).
    const plain = JSON.parse(JSON.stringify(body)) as unknown;
    await this.core.alerting.putPolicy(queueId, plain, actor);
    return { queue_id: queueId, policy: plain, updated_by: actor };
  }

  @Delete('policies/:queueId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a queue override (the defaults apply again)' })
  @ApiNotFoundResponse()
  async remove(@Param('queueId') queueId: string): Promise<void> {
    if (!(await this.core.alerting.deletePolicy(queueId))) {
      throw new DomainError(ErrorCode.NotFound, `no alert policy for queue ${queueId}`);
    }
  }
}
