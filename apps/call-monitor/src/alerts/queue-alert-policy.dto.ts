import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

/**
 * The body of `PUT /alerts/policies/{queueId}` and the shape of the global defaults. Every
 * field is optional: a queue policy overrides the defaults field by field, and the defaults
 * override the built-in ones the same way. Snake case like the rest of the HTTP API.
 */

export const ALERT_SEVERITY_NAMES = ['critical', 'major', 'minor', 'warning'] as const;
export type AlertSeverityName = (typeof ALERT_SEVERITY_NAMES)[number];

/** Agent states a duration rule can watch; a logged-out agent is not in the contact centre. */
export const TIMED_AGENT_STATES = ['available', 'ringing', 'on_call', 'wrap_up', 'paused'] as const;
export type TimedAgentState = (typeof TIMED_AGENT_STATES)[number];

const MAX_SECONDS = 86_400;
const finite = { allowNaN: false, allowInfinity: false };

/** What every rule has: on/off, severity and how long the condition must hold before firing. */
export class AlertRuleBaseDto {
  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ enum: ALERT_SEVERITY_NAMES })
  @IsOptional()
  @IsIn(ALERT_SEVERITY_NAMES)
  severity?: AlertSeverityName;

  @ApiPropertyOptional({
    description: 'Seconds the condition must hold before the alert fires (Prometheus `for:`)',
    minimum: 0,
    maximum: MAX_SECONDS,
  })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(MAX_SECONDS)
  for_seconds?: number;
}

export class LongestWaitRuleDto extends AlertRuleBaseDto {
  @ApiPropertyOptional({ description: 'Fires when the longest wait is above (s)', example: 120 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(MAX_SECONDS)
  threshold?: number;

  @ApiPropertyOptional({
    description: 'Resolves when back at or below (s); defaults to the threshold given with it',
    example: 90,
  })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(MAX_SECONDS)
  clear_threshold?: number;
}

export class WaitingCallsRuleDto extends AlertRuleBaseDto {
  @ApiPropertyOptional({ description: 'Fires when more calls than this wait', example: 10 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  threshold?: number;

  @ApiPropertyOptional({ description: 'Resolves when at or below', example: 7 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  clear_threshold?: number;
}

/** Rules computed over the finished calls of a sliding window. */
export class WindowedRuleDto extends AlertRuleBaseDto {
  @ApiPropertyOptional({ description: 'Length of the sliding window (s)', example: 900 })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(MAX_SECONDS)
  window_seconds?: number;

  @ApiPropertyOptional({
    description: 'Least calls counted in the window before the rule may fire',
    example: 20,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  min_calls?: number;

  @ApiPropertyOptional({
    description: 'Calls abandoned within this many seconds of waiting are not counted at all',
    example: 5,
  })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(3600)
  short_abandon_seconds?: number;
}

export class ServiceLevelRuleDto extends WindowedRuleDto {
  @ApiPropertyOptional({ description: 'Fires when the service level is below (%)', example: 80 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(100)
  threshold?: number;

  @ApiPropertyOptional({ description: 'Resolves when back at or above (%)', example: 85 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(100)
  clear_threshold?: number;

  @ApiPropertyOptional({
    description: 'A call counts as served if answered within (s)',
    example: 20,
  })
  @IsOptional()
  @IsNumber(finite)
  @Min(1)
  @Max(3600)
  answer_within_seconds?: number;
}

export class AbandonmentRateRuleDto extends WindowedRuleDto {
  @ApiPropertyOptional({ description: 'Fires when the abandoned share is above (%)', example: 10 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(100)
  threshold?: number;

  @ApiPropertyOptional({ description: 'Resolves when back at or below (%)', example: 7 })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(100)
  clear_threshold?: number;
}

export class AgentsAvailableRuleDto extends AlertRuleBaseDto {
  @ApiPropertyOptional({
    description: 'Fires when fewer agents than this are available while calls wait',
    example: 1,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  threshold?: number;

  @ApiPropertyOptional({
    description: 'Resolves when at least this many are available',
    example: 1,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  clear_threshold?: number;
}

export class AgentStateDurationRuleDto extends AlertRuleBaseDto {
  @ApiPropertyOptional({ description: 'Fires when an agent stays in the state longer (s)' })
  @IsOptional()
  @IsNumber(finite)
  @Min(1)
  @Max(MAX_SECONDS)
  threshold?: number;

  @ApiPropertyOptional({ description: 'Resolves when the time in the state is at or below (s)' })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  @Max(MAX_SECONDS)
  clear_threshold?: number;
}

/** One duration rule per agent state; a state left out keeps the default (or has none). */
export class AgentStateDurationRulesDto {
  @ApiPropertyOptional({ type: AgentStateDurationRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentStateDurationRuleDto)
  available?: AgentStateDurationRuleDto;

  @ApiPropertyOptional({ type: AgentStateDurationRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentStateDurationRuleDto)
  ringing?: AgentStateDurationRuleDto;

  @ApiPropertyOptional({ type: AgentStateDurationRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentStateDurationRuleDto)
  on_call?: AgentStateDurationRuleDto;

  @ApiPropertyOptional({ type: AgentStateDurationRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentStateDurationRuleDto)
  wrap_up?: AgentStateDurationRuleDto;

  @ApiPropertyOptional({ type: AgentStateDurationRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentStateDurationRuleDto)
  paused?: AgentStateDurationRuleDto;
}

/** Alert thresholds of one queue (or the global defaults when given to `setDefaults`). */
export class QueueAlertPolicyDto {
  @ApiPropertyOptional({ type: LongestWaitRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => LongestWaitRuleDto)
  longest_wait?: LongestWaitRuleDto;

  @ApiPropertyOptional({ type: WaitingCallsRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => WaitingCallsRuleDto)
  waiting_calls?: WaitingCallsRuleDto;

  @ApiPropertyOptional({ type: ServiceLevelRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ServiceLevelRuleDto)
  service_level?: ServiceLevelRuleDto;

  @ApiPropertyOptional({ type: AbandonmentRateRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AbandonmentRateRuleDto)
  abandonment_rate?: AbandonmentRateRuleDto;

  @ApiPropertyOptional({ type: AgentsAvailableRuleDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentsAvailableRuleDto)
  agents_available?: AgentsAvailableRuleDto;

  @ApiPropertyOptional({ type: AgentStateDurationRulesDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => AgentStateDurationRulesDto)
  agent_state_duration?: AgentStateDurationRulesDto;
}

/** A policy as plain data (what the API receives and what is stored). */
export type QueueAlertPolicy = QueueAlertPolicyDto;
