import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

export class ChangeResultDto {
  @ApiProperty({ enum: ['applied', 'unchanged', 'pending_approval'] })
  status!: string;

  @ApiProperty({ example: 'integrations.slack-noc' })
  key!: string;

  @ApiPropertyOptional({ description: 'The approval request, when the change waits for one' })
  request?: unknown;
}

export class IntegrationSummaryDto {
  @ApiProperty({ example: 'slack-noc' }) name!: string;
  @ApiProperty({ example: 'slack' }) type!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: ['api', 'file', 'approval'] }) origin!: string;
  @ApiProperty() version!: number;
  @ApiProperty() updated_at!: string;
  @ApiProperty() updated_by!: string;
  @ApiPropertyOptional({ description: 'Why the integration cannot be built (deliveries wait)' })
  error?: string;
  @ApiProperty({ enum: ['closed', 'open', 'half_open'] }) circuit!: string;
  @ApiProperty({ description: 'Deliveries waiting' }) backlog!: number;
}

export class IntegrationTypeDto {
  @ApiProperty({ example: 'slack' }) type!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: [String] }) secret_fields!: string[];
}

export class IntegrationHealthDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['healthy', 'unhealthy', 'disabled'] }) status!: string;
  @ApiProperty() detail!: string;
  @ApiProperty() latency_ms!: number;
  @ApiProperty() checked_at!: string;
  @ApiProperty({ enum: ['closed', 'open', 'half_open'] }) circuit!: string;
  @ApiProperty() backlog!: number;
  @ApiProperty({ description: 'Attempts in the recent window (last 200)' })
  recent_attempts!: number;
  @ApiProperty({ nullable: true, type: Number }) success_rate!: number | null;
  @ApiProperty({ nullable: true, type: Number }) latency_p50_ms!: number | null;
  @ApiProperty({ nullable: true, type: Number }) latency_p99_ms!: number | null;
}

export class TestSendResultDto {
  @ApiProperty({ enum: ['delivered', 'retry', 'failed'] }) result!: string;
  @ApiPropertyOptional() status?: number;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional() reference?: string;
}

export const DELIVERY_STATUSES = ['pending', 'in_flight', 'delivered', 'dead'] as const;

export class DeliveryQueryDto {
  @ApiPropertyOptional({ example: 'slack-noc' })
  @IsOptional()
  @IsString()
  integration?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];

  @ApiPropertyOptional({ description: 'Notification (event) id' })
  @IsOptional()
  @IsString()
  notification_id?: string;

  @ApiPropertyOptional({ description: 'Updated at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class DeliveryDto {
  @ApiProperty({ description: 'Idempotency key: notification id + integration' }) key!: string;
  @ApiProperty() integration!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) rule!: string | null;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty() next_attempt_at!: string;
  @ApiProperty({ nullable: true, type: Number }) last_status!: number | null;
  @ApiProperty({ nullable: true, type: String }) last_error!: string | null;
  @ApiProperty({ nullable: true, type: String }) reference!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;
  @ApiProperty({ nullable: true, type: String }) delivered_at!: string | null;
  @ApiProperty({ description: 'The notification as rendered' }) notification!: unknown;
}

export class ReplayDeadDto {
  @ApiProperty({
    example: 'slack-noc',
    description: 'Replays every dead delivery of this integration',
  })
  @IsString()
  @IsNotEmpty()
  integration!: string;
}

export class ReplayResultDto {
  @ApiProperty() replayed!: number;
}

export class SilenceInputDto {
  @ApiPropertyOptional({ description: 'Id (generated when absent); re-posting an id replaces it' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  id?: string;

  @ApiProperty({ example: ['site=site-001', 'severity=~"minor|warning"'] })
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  matchers!: string[];

  @ApiPropertyOptional({ description: 'Default: now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  starts_at?: string;

  @ApiProperty({ example: '2026-11-23T06:00:00Z' })
  @IsISO8601({ strict: true })
  ends_at!: string;

  @ApiPropertyOptional({ example: 'Planned power works at site-001' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class SilenceDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: [String] }) matchers!: string[];
  @ApiProperty() starts_at!: string;
  @ApiProperty() ends_at!: string;
  @ApiProperty() created_by!: string;
  @ApiProperty() comment!: string;
  @ApiProperty({ enum: ['pending', 'active', 'expired'] }) state!: string;
}

export class DecisionDto {
  @ApiPropertyOptional({ example: 'Checked with the DBA on call' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  comment?: string;
}

export class ChangeRequestDto {
  @ApiProperty() id!: string;
  @ApiProperty() key!: string;
  @ApiProperty({ enum: ['put', 'delete'] }) action!: string;
  @ApiProperty({ description: 'Pattern of required_approvals that guards the key' })
  policy!: string;
  @ApiProperty({ type: [String] }) approvers!: string[];
  @ApiProperty() min_approvals!: number;
  @ApiProperty() approvals!: unknown[];
  @ApiProperty({ enum: ['pending', 'applied', 'rejected', 'expired'] }) status!: string;
  @ApiProperty() requested_by!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() expires_at!: string;
  @ApiProperty() created_at!: string;
  @ApiProperty({ nullable: true, type: String }) decided_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) decision!: string | null;
}
