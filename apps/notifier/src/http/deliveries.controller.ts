import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { QueuedDelivery } from '@telcomesh/notifier-delivery';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import { NotifierCore } from '../notifier-core';
import { DeliveryDto, DeliveryQueryDto, ReplayDeadDto, ReplayResultDto } from './notifier.dto';

function toDto(d: QueuedDelivery): DeliveryDto {
  return {
    key: d.key,
    integration: d.integration,
    rule: d.rule,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt.toISOString(),
    last_status: d.lastStatus,
    last_error: d.lastError,
    reference: d.reference,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
    delivered_at: d.deliveredAt?.toISOString() ?? null,
    notification: d.notification,
  };
}

@ApiTags('deliveries')
@Controller('deliveries')
export class DeliveriesController {
  constructor(@Inject(NotifierCore) private readonly core: NotifierCore) {}

  @Get()
  @ApiOperation({
    summary: 'The delivery log: what was sent where, when, how many attempts, last response',
  })
  @ApiOkResponse({ type: [DeliveryDto] })
  async list(@Query() query: DeliveryQueryDto): Promise<DeliveryDto[]> {
    const deliveries = await this.core.queue.list({
      ...(query.integration ? { integration: query.integration } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.notification_id ? { notificationId: query.notification_id } : {}),
      ...(query.since ? { since: new Date(query.since) } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return deliveries.map(toDto);
  }

  @Get(':key')
  @ApiOperation({
    summary: 'One delivery by its idempotency key (`<notification id>:<integration>`)',
  })
  @ApiOkResponse({ type: DeliveryDto })
  @ApiNotFoundResponse()
  async get(@Param('key') key: string): Promise<DeliveryDto> {
    const delivery = await this.core.queue.get(key);
    if (!delivery) throw new DomainError(ErrorCode.NotFound, `delivery ${key} does not exist`);
    return toDto(delivery);
  }

  @Post(':key/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Put a dead delivery back in the queue with a fresh retry budget' })
  @ApiOkResponse({ type: DeliveryDto })
  @ApiConflictResponse({ description: 'The delivery is not dead' })
  async replay(@Param('key') key: string): Promise<DeliveryDto> {
    if (!(await this.core.queue.replay(key, new Date()))) {
      const delivery = await this.core.queue.get(key);
      if (!delivery) throw new DomainError(ErrorCode.NotFound, `delivery ${key} does not exist`);
      throw new DomainError(ErrorCode.Conflict, `delivery ${key} is ${delivery.status}, not dead`);
    }
    return this.get(key);
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replay every dead delivery of one integration (after fixing it)' })
  @ApiOkResponse({ type: ReplayResultDto })
  async replayDead(@Body() body: ReplayDeadDto): Promise<ReplayResultDto> {
    const dead = await this.core.queue.list({
      integration: body.integration,
      status: 'dead',
      limit: 1000,
    });
    let replayed = 0;
    for (const d of dead) if (await this.core.queue.replay(d.key, new Date())) replayed++;
    return { replayed };
  }
}
