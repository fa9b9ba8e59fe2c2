import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';

export const ALARM_SEVERITIES = [
  'CRITICAL',
  'MAJOR',
  'MINOR',
  'WARNING',
  'INDETERMINATE',
  'CLEARED',
] as const;
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number];
export const ALARM_STATES = ['RAISED', 'CHANGED', 'CLEARED'] as const;
export const ALARM_TYPES = [
  'COMMUNICATIONS',
  'QUALITY_OF_SERVICE',
  'PROCESSING_ERROR',
  'EQUIPMENT',
  'ENVIRONMENTAL',
] as const;

/** An alarm as a network system or script POSTs it (seed 000 "Événements/Alertes", X.733 fields). */
export class AlarmWebhookDto {
  @ApiProperty({
    example: 'ALM-001',
    description: 'Alarm id in the sending system; with source_id it identifies the alarm',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  alarm_id!: string;

  @ApiProperty({
    enum: ALARM_SEVERITIES,
    example: 'CRITICAL',
    description: 'X.733 perceived severity',
  })
  @IsIn(ALARM_SEVERITIES)
  severity!: AlarmSeverity;

  @ApiProperty({ example: 'Cell Down' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  title!: string;

  @ApiPropertyOptional({ example: 'Cell site SITE-001 is down' })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string;

  @ApiProperty({
    example: 'site-001',
    description: 'Site the alarm is about; the event key, so one site stays ordered',
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,100}$/, {
    message: 'site_id may hold letters, digits, ".", "_", ":" and "-" (1-100)',
  })
  site_id!: string;

  @ApiProperty({ example: 'OSS-ericsson' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  source_system!: string;

  @ApiPropertyOptional({ enum: ALARM_STATES, default: 'RAISED' })
  @IsOptional()
  @IsIn(ALARM_STATES)
  state?: (typeof ALARM_STATES)[number];

  @ApiPropertyOptional({ enum: ALARM_TYPES })
  @IsOptional()
  @IsIn(ALARM_TYPES)
  alarm_type?: (typeof ALARM_TYPES)[number];

  @ApiPropertyOptional({ example: 'Equipment Failure' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  probable_cause?: string;

  @ApiPropertyOptional({ example: 'CELL-001' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  managed_object?: string;

  @ApiProperty({
    example: '2024-01-15T10:30:00Z',
    description: 'When the alarm happened (RFC 3339)',
  })
  @IsISO8601({ strict: true })
  event_time!: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  acknowledged?: boolean;

  @ApiPropertyOptional({
    example: { cell_id: 'CELL-001' },
    description: 'Extra string attributes kept as event metadata',
  })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, string>;
}

export class AlarmAcceptedDto {
  @ApiProperty({
    description:
      'Event id (ce_id) of the telemetry event; the same alarm sent twice gets the same id',
  })
  event_id!: string;

  @ApiProperty({ example: 'telemetry.events.v1' })
  topic!: string;

  @ApiProperty({
    description: 'False when this exact alarm notification had already been accepted',
  })
  created!: boolean;
}

export class AlarmBatchDto {
  @ApiProperty({ type: [AlarmWebhookDto], description: 'Up to 1000 alarms, accepted atomically' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => AlarmWebhookDto)
  alarms!: AlarmWebhookDto[];
}
