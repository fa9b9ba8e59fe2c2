import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  ValidateNested,
} from 'class-validator';

/**
 * Which tickets a policy applies to. A missing list matches any value; a given list matches a
 * ticket whose field equals one of its entries (trimmed, case-insensitive).
 */
export class SlaPolicyMatchDefinition {
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  priorities?: string[];

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  categories?: string[];

  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  customers?: string[];
}

/** Targets in business minutes of the policy's calendar; at least one is required. */
export class SlaTargetsDefinition {
  @IsOptional()
  @IsInt()
  @IsPositive()
  responseMinutes?: number;

  @IsOptional()
  @IsInt()
  @IsPositive()
  resolutionMinutes?: number;
}

/** An SLA policy as configured; see the README of this folder for the clock's rules. */
export class SlaPolicyDefinition {
  @IsString()
  @IsNotEmpty()
  id!: string;

  /** Shown in events (`sla_name`), e.g. "P1 resolution 4h". */
  @IsString()
  @IsNotEmpty()
  name!: string;

  /** Id of the BusinessCalendar the targets are counted in. */
  @IsString()
  @IsNotEmpty()
  calendarId!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => SlaPolicyMatchDefinition)
  match?: SlaPolicyMatchDefinition;

  @ValidateNested()
  @Type(() => SlaTargetsDefinition)
  targets!: SlaTargetsDefinition;

  /** Shares of the target (strictly between 0 and 1) at which the ticket is at risk. */
  @IsOptional()
  @IsArray()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  atRiskThresholds?: number[];

  /** Statuses that stop the clock for a while (waiting on the customer, a vendor...). */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  pauseStatuses?: string[];

  /** Statuses in which the ticket counts as resolved (Resolved, Closed). */
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  stopStatuses!: string[];

  /** Statuses in which the ticket is closed without a resolution (Cancelled, Duplicate). */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  cancelStatuses?: string[];
}
