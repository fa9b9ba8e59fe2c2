import { IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  parseGroupingConfig,
  parseRateLimits,
  parseRouteRules,
  RoutingConfigError,
  type GroupingConfig,
  type RateLimit,
  type RouteRule,
} from '@telcomesh/notifier-routing';
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from '@telcomesh/notifier-delivery';
import {
  NO_APPROVALS,
  parseApprovalPolicy,
  type ApprovalPolicy,
} from '../approvals/approval-policy';
import { validateDocument } from './validate-document';

/**
 * The notifier's settings documents, under the seed's keys `integrations.<document>`; every other
 * `integrations.<name>` key is an integration.
 */
export const SETTINGS_DOCUMENTS = [
  'notifications',
  'grouping',
  'rate_limits',
  'approvals',
  'batching',
] as const;
export type SettingsDocument = (typeof SETTINGS_DOCUMENTS)[number];

export function isSettingsDocument(name: string): name is SettingsDocument {
  return (SETTINGS_DOCUMENTS as readonly string[]).includes(name);
}

/** `integrations.batching` (seed: batch_size, batch_timeout, max_retries) plus delivery tuning. */
export class BatchingConfig {
  /** Caps how many notifications one request carries for batching integrations. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  batch_size?: number;

  /** Seconds a partial batch waits for more (unless the integration sets its own, as Splunk's flush_interval). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  batch_timeout?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(50)
  max_retries?: number;

  /** Requests in flight per integration. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(64)
  concurrency?: number;

  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  base_delay_ms?: number;

  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  max_delay_ms?: number;
}

export interface BatchingSettings {
  batchSize?: number;
  batchTimeoutMs?: number;
  policy: DeliveryPolicy;
}

/** Grouping per rule name, `*` for every rule without its own. */
export type GroupingByRule = ReadonlyMap<string, GroupingConfig>;

export interface NotifierSettings {
  rules: RouteRule[];
  grouping: GroupingByRule;
  rateLimits: Record<string, RateLimit>;
  approvals: ApprovalPolicy;
  batching: BatchingSettings;
}

export const DEFAULT_SETTINGS: NotifierSettings = {
  rules: [],
  grouping: new Map(),
  rateLimits: {},
  approvals: NO_APPROVALS,
  batching: { policy: DEFAULT_DELIVERY_POLICY },
};

function parseGroupingByRule(raw: unknown): GroupingByRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RoutingConfigError('grouping', ['(root): must be an object keyed by rule name or *']);
  }
  const out = new Map<string, GroupingConfig>();
  const problems: string[] = [];
  for (const [rule, value] of Object.entries(raw)) {
    try {
      out.set(rule, parseGroupingConfig(value));
    } catch (error) {
      if (!(error instanceof RoutingConfigError)) throw error;
      problems.push(...error.problems.map((p) => `${rule}.${p}`));
    }
  }
  if (problems.length > 0) throw new RoutingConfigError('grouping', problems);
  return out;
}

function parseBatching(raw: unknown): BatchingSettings {
  const config = validateDocument(BatchingConfig, raw, 'batching');
  return {
    ...(config.batch_size !== undefined ? { batchSize: config.batch_size } : {}),
    ...(config.batch_timeout !== undefined ? { batchTimeoutMs: config.batch_timeout * 1000 } : {}),
    policy: {
      ...DEFAULT_DELIVERY_POLICY,
      ...(config.max_retries !== undefined ? { maxRetries: config.max_retries } : {}),
      ...(config.concurrency !== undefined ? { concurrency: config.concurrency } : {}),
      ...(config.base_delay_ms !== undefined ? { baseDelayMs: config.base_delay_ms } : {}),
      ...(config.max_delay_ms !== undefined ? { maxDelayMs: config.max_delay_ms } : {}),
    },
  };
}

/** Validates one document; throws a RoutingConfigError naming every bad field. */
export function parseSettingsDocument(name: SettingsDocument, raw: unknown): void {
  applySettingsDocument({ ...DEFAULT_SETTINGS }, name, raw);
}

/** Sets one parsed document on a settings object. */
export function applySettingsDocument(
  settings: NotifierSettings,
  name: SettingsDocument,
  raw: unknown,
): NotifierSettings {
  switch (name) {
    case 'notifications':
      settings.rules = parseRouteRules(raw);
      break;
    case 'grouping':
      settings.grouping = parseGroupingByRule(raw);
      break;
    case 'rate_limits':
      settings.rateLimits = parseRateLimits(raw);
      break;
    case 'approvals':
      settings.approvals = parseApprovalPolicy(raw);
      break;
    case 'batching':
      settings.batching = parseBatching(raw);
      break;
  }
  return settings;
}

/** The grouping a rule's notifications get, if any. */
export function groupingFor(settings: NotifierSettings, rule: string): GroupingConfig | undefined {
  return settings.grouping.get(rule) ?? settings.grouping.get('*');
}
