import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, DomainError, ErrorCode } from '@telcomesh/platform';
import type { ChangeRequest, ChangeRequestStatus } from '../approvals/change-approvals';
import { NotifierCore } from '../notifier-core';
import { ChangeRequestDto, DecisionDto } from './notifier.dto';

function toDto(r: ChangeRequest): ChangeRequestDto {
  return {
    id: r.id,
    key: r.key,
    action: r.action,
    policy: r.policy,
    approvers: r.approvers,
    min_approvals: r.minApprovals,
    approvals: r.approvals,
    status: r.status,
    requested_by: r.requestedBy,
    reason: r.reason,
    expires_at: r.expiresAt.toISOString(),
    created_at: r.createdAt.toISOString(),
    decided_at: r.decidedAt?.toISOString() ?? null,
    decision: r.decision,
  };
}

const STATUSES: ChangeRequestStatus[] = ['pending', 'applied', 'rejected', 'expired'];

@ApiTags('approvals')
@Controller('approvals')
export class ApprovalsController {
  constructor(@Inject(NotifierCore) private readonly core: NotifierCore) {}

  @Get()
  @ApiOperation({ summary: 'Change requests waiting for (or decided by) approvers' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiOkResponse({ type: [ChangeRequestDto] })
  async list(@Query('status') status?: string): Promise<ChangeRequestDto[]> {
    if (status !== undefined && !(STATUSES as string[]).includes(status)) {
      throw new DomainError(ErrorCode.InvalidInput, `status must be one of ${STATUSES.join(', ')}`);
    }
    return (await this.core.approvals.list(status as ChangeRequestStatus | undefined)).map(toDto);
  }

  @Get(':id')
  @ApiOkResponse({ type: ChangeRequestDto })
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ChangeRequestDto> {
    return toDto(await this.core.approvals.get(id));
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve as the x-actor; the change applies at min_approvals' })
  @ApiHeader({ name: 'x-actor', required: true, description: 'The approver (set by the gateway)' })
  @ApiOkResponse({ type: ChangeRequestDto })
  @ApiForbiddenResponse({ description: 'Not a listed approver' })
  @ApiConflictResponse({
    description: 'Already decided, expired, or already approved by this approver',
  })
  async approve(
    @Param('id', ParseUUIDPipe) id: string,
    @Actor(true) approver: string,
    @Body() body: DecisionDto,
  ): Promise<ChangeRequestDto> {
    return toDto(await this.core.approvals.approve(id, approver, body.comment));
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject as the x-actor; nothing changes' })
  @ApiHeader({ name: 'x-actor', required: true })
  @ApiOkResponse({ type: ChangeRequestDto })
  async reject(
    @Param('id', ParseUUIDPipe) id: string,
    @Actor(true) approver: string,
    @Body() body: DecisionDto,
  ): Promise<ChangeRequestDto> {
    return toDto(await this.core.approvals.reject(id, approver, body.comment));
  }
}
