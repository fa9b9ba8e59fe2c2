import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';
import { IANAZone } from 'luxon';
import type { ComplianceGrouping } from './bi-queries';

function IsTimeZone(): PropertyDecorator {
  return ValidateBy({
    name: 'isTimeZone',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && IANAZone.isValidZone(value),
      defaultMessage: () => '$property must be an IANA time zone such as Europe/Moscow',
    },
  });
}

export class BiFilterDto {
  @ApiPropertyOptional({ description: 'Tenant id' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  tenant?: string;

  @ApiPropertyOptional({ description: 'Ticket system (jira, servicenow, rest...)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  system?: string;

  @ApiPropertyOptional({ enum: ['response', 'resolution'], description: 'SLA target' })
  @IsOptional()
  @IsIn(['response', 'resolution'])
  target?: 'response' | 'resolution';

  @ApiPropertyOptional({ description: 'Ticket priority as the ticket system names it (P1...)' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  priority?: string;

  @ApiPropertyOptional({
    description:
      'Department (assignment group): holding the ticket now for live lists, the one a result counts for in period figures',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  department?: string;
}

export class BiPeriodDto extends BiFilterDto {
  @ApiPropertyOptional({ description: 'Start (inclusive, ISO-8601); default 30 days before `to`' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'End (exclusive, ISO-8601); default now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    description: 'IANA zone days, weeks and months are cut in',
    default: 'UTC',
  })
  @IsOptional()
  @IsTimeZone()
  tz?: string;
}

export const COMPLIANCE_GROUPINGS: readonly ComplianceGrouping[] = [
  'none',
  'department',
  'priority',
  'target',
  'day',
  'week',
  'month',
];

export class ComplianceQueryDto extends BiPeriodDto {
  @ApiPropertyOptional({ enum: COMPLIANCE_GROUPINGS, default: 'none' })
  @IsOptional()
  @IsIn(COMPLIANCE_GROUPINGS)
  group_by?: ComplianceGrouping;
}

export class TimeToQueryDto extends BiPeriodDto {
  @ApiPropertyOptional({ enum: ['none', 'department', 'priority'], default: 'none' })
  @IsOptional()
  @IsIn(['none', 'department', 'priority'])
  group_by?: 'none' | 'department' | 'priority';
}

export class LiveListQueryDto extends BiFilterDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  offset?: number;
}
