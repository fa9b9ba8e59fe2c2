import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsEnum,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  Min,
} from 'class-validator';
import { TREND_INTERVALS, type TrendInterval } from '../history/call-record-store';
import {
  AGENT_STATES,
  CALL_STATES,
  type AgentState,
  type CallDirection,
  type CallDisposition,
  type CallState,
} from '../sources/contact-centre-source';

const csv = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.split(',').map((v) => v.trim()) : value;

export class CallQueryDto {
  @ApiPropertyOptional({ description: 'Source (PBX / dispatch server) id' })
  @IsOptional()
  @IsString()
  source?: string;

  @ApiPropertyOptional({ description: 'Queue id' })
  @IsOptional()
  @IsString()
  queue?: string;

  @ApiPropertyOptional({ description: 'Agent id or login (user)' })
  @IsOptional()
  @IsString()
  agent?: string;

  @ApiPropertyOptional({ description: 'Agent profile / skill group' })
  @IsOptional()
  @IsString()
  profile?: string;

  @ApiPropertyOptional({ description: 'Comma-separated call states', example: 'queued,active' })
  @IsOptional()
  @Transform(csv)
  @IsIn(CALL_STATES, { each: true })
  state?: CallState[];

  @ApiPropertyOptional({ enum: ['inbound', 'outbound', 'internal'] })
  @IsOptional()
  @IsIn(['inbound', 'outbound', 'internal'])
  direction?: CallDirection;
}

export class AgentQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  source?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  queue?: string;

  @ApiPropertyOptional({ description: 'Agent id or login (user)' })
  @IsOptional()
  @IsString()
  agent?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  profile?: string;

  @ApiPropertyOptional({ description: 'Comma-separated agent states', example: 'paused,wrap_up' })
  @IsOptional()
  @Transform(csv)
  @IsIn(AGENT_STATES, { each: true })
  state?: AgentState[];
}

export class QueueQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  source?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  queue?: string;
}

export class TaskQueryDto extends QueueQueryDto {
  @ApiPropertyOptional({ description: 'Assigned manager (agent) id' })
  @IsOptional()
  @IsString()
  manager?: string;

  @ApiPropertyOptional({ example: 'queued,assigned' })
  @IsOptional()
  @Transform(csv)
  @IsIn(['created', 'queued', 'assigned', 'in_progress', 'completed', 'cancelled'], { each: true })
  state?: ('created' | 'queued' | 'assigned' | 'in_progress' | 'completed' | 'cancelled')[];
}

export class HistoryRangeDto {
  @ApiPropertyOptional({ description: 'Start (inclusive, ISO-8601); default 24 h ago' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'End (exclusive, ISO-8601); default now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  source?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  queue?: string;

  @ApiPropertyOptional({ description: 'Agent id' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  agent?: string;
}

export class CallRecordQueryDto extends HistoryRangeDto {
  @ApiPropertyOptional({
    enum: ['answered', 'abandoned', 'no_answer', 'busy', 'failed', 'unknown'],
  })
  @IsOptional()
  @IsIn(['answered', 'abandoned', 'no_answer', 'busy', 'failed', 'unknown'])
  disposition?: CallDisposition;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (`next_cursor`)' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export class TrendQueryDto extends HistoryRangeDto {
  @ApiPropertyOptional({ enum: Object.keys(TREND_INTERVALS), default: '1h' })
  @IsOptional()
  @IsEnum(Object.fromEntries(Object.keys(TREND_INTERVALS).map((k) => [k, k])))
  interval?: TrendInterval;

  @ApiPropertyOptional({ enum: ['queue', 'agent', 'none'], default: 'queue' })
  @IsOptional()
  @IsIn(['queue', 'agent', 'none'])
  group_by?: 'queue' | 'agent' | 'none';

  @ApiPropertyOptional({
    description: 'Service level: answered within this many seconds',
    default: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  service_level_seconds?: number;

  @ApiPropertyOptional({
    description: 'Abandons quicker than this are left out of rates (misdials)',
    default: 5,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600)
  short_abandon_seconds?: number;
}
