/* Test support for the OSS connector integration specs: one harness per vendor that starts its
   simulator and builds a connector for it through the registry, with a manual clock. */
import {
  EricssonEnmSimulator,
  HuaweiU2000Simulator,
  ManualClock,
  NokiaNetActSimulator,
  Tmf642Simulator,
  ZteSimulator,
  enmAlarmId,
  netActAlarmId,
  tmf642AlarmId,
  zteAlarmId,
  zteListsAlarm,
  type OssSimulator,
  type SimulatedAlarm,
} from '@telcomesh/testing';
import { createConnectorRegistry } from '../../built-in-connectors';
import type {
  ConnectorDeps,
  FetchResult,
  SourceConnector,
  SourceRecord,
  SyncCursor,
} from '../../connector';

/** Where the simulated network starts; its 8 periods end at 10:00. */
export const DATASET_START = '2024-01-15T08:00:00Z';
/** The connectors' clock when a test starts: after every period and alarm change. */
export const TEST_NOW = '2024-01-15T10:05:00Z';

export type RawConfig = Record<string, unknown>;

export interface OssHarness {
  name: string;
  simulator: OssSimulator;
  clock: ManualClock;
  /** The source's connection_config, with `overrides` on top. */
  config(overrides?: RawConfig): RawConfig;
  /** Builds a connector through the registry, as the ingestor does. */
  connector(overrides?: RawConfig, deps?: Partial<ConnectorDeps>): SourceConnector;
  /** The same config with credentials the source refuses. */
  wrongCredentials: RawConfig;
  /** The source issues tokens or sessions (not basic or API key). */
  issuesCredentials: boolean;
  hasMetrics: boolean;
  /** Alarm id the connector should report for a simulated alarm. */
  alarmId(alarm: SimulatedAlarm): string;
  /** Whether the source lists the alarm at all (the 3GPP list drops cleared+acknowledged ones). */
  lists(alarm: SimulatedAlarm): boolean;
}

/** Settings that keep tests quick and deterministic: small pages, no wait on backoff. */
const COMMON: RawConfig = {
  initial_lookback_minutes: 180,
  page_size: 40,
  timeout_ms: 5000,
  retry: { max_attempts: 4, base_delay_ms: 500, max_delay_ms: 8000, max_retry_after_ms: 60_000 },
};

function harness(
  name: string,
  simulator: OssSimulator,
  base: RawConfig,
  wrong: RawConfig,
  extra: Pick<OssHarness, 'issuesCredentials' | 'hasMetrics' | 'alarmId'> &
    Partial<Pick<OssHarness, 'lists'>>,
): OssHarness {
  const clock = new ManualClock(TEST_NOW);
  const registry = createConnectorRegistry();
  const config = (overrides: RawConfig = {}) => ({
    ...COMMON,
    ...base,
    base_url: simulator.url,
    ...overrides,
  });
  return {
    name,
    simulator,
    clock,
    config,
    connector: (overrides, deps) =>
      registry.create({ sourceType: 'oss_network' }, config(overrides), {
        sourceId: `oss-${name}-test`,
        clock,
        random: () => 0.5,
        ...deps,
      }),
    get wrongCredentials() {
      return config(wrong);
    },
    lists: () => true,
    ...extra,
  };
}

export function ericssonHarness(): OssHarness {
  const simulator = new EricssonEnmSimulator({ tokenTtlSeconds: 3600 });
  const auth = {
    type: 'oauth2',
    client_id: 'aiops-client',
    client_secret: 'enm-client-secret',
    token_endpoint: '/auth/oauth2/token',
  };
  return harness(
    'ericsson',
    simulator,
    { oss_type: 'ericsson', authentication: auth },
    { authentication: { ...auth, client_secret: 'not-the-secret' } },
    { issuesCredentials: true, hasMetrics: true, alarmId: enmAlarmId },
  );
}

export function huaweiHarness(): OssHarness {
  const simulator = new HuaweiU2000Simulator();
  const auth = {
    type: 'session',
    username: 'aiops_user',
    password: 'u2000-password',
    login_endpoint: '/rest/login',
  };
  return harness(
    'huawei',
    simulator,
    { oss_type: 'huawei', authentication: auth },
    { authentication: { ...auth, password: 'wrong-password' } },
    { issuesCredentials: true, hasMetrics: true, alarmId: (a) => String(a.seq) },
  );
}

export function nokiaHarness(): OssHarness {
  const simulator = new NokiaNetActSimulator();
  const auth = { type: 'basic', username: 'aiops_user', password: 'netact-password' };
  return harness(
    'nokia',
    simulator,
    { oss_type: 'nokia', authentication: auth },
    { authentication: { ...auth, password: 'wrong-password' } },
    { issuesCredentials: false, hasMetrics: true, alarmId: netActAlarmId },
  );
}

export function zteHarness(): OssHarness {
  const simulator = new ZteSimulator();
  const auth = { type: 'api_key', api_key: 'zte-api-key-0001', key_header: 'X-API-Key' };
  return harness(
    'zte',
    simulator,
    { oss_type: 'zte', authentication: auth },
    { authentication: { ...auth, api_key: 'revoked-key-9999' } },
    { issuesCredentials: false, hasMetrics: true, alarmId: zteAlarmId, lists: zteListsAlarm },
  );
}

/** `rotateRefreshTokens`: the server replaces the refresh token with each use. */
export function tmf642Harness({ rotateRefreshTokens = false } = {}): OssHarness {
  const simulator = new Tmf642Simulator({
    refreshTokens: ['initial-refresh-token'],
    rotateRefreshTokens,
  });
  const auth = {
    type: 'oauth2',
    client_id: 'tmf-client',
    client_secret: 'tmf-client-secret',
    token_endpoint: '/oauth/token',
    refresh_token: 'initial-refresh-token',
  };
  return harness(
    'tmf642',
    simulator,
    { oss_type: 'generic', authentication: auth },
    { authentication: { ...auth, refresh_token: 'revoked-refresh-token' } },
    { issuesCredentials: true, hasMetrics: false, alarmId: tmf642AlarmId },
  );
}

export const HARNESSES: readonly (() => OssHarness)[] = [
  ericssonHarness,
  huaweiHarness,
  nokiaHarness,
  zteHarness,
  () => tmf642Harness(),
];

/** A record's identity and reported state, for comparing syncs. */
export function recordKey(record: SourceRecord): string {
  switch (record.kind) {
    case 'metric':
      return `metric|${record.managedObject}|${record.name}|${record.timestamp.toISOString()}|${record.value}`;
    case 'alarm':
      return `alarm|${record.alarmId}|${record.state}|${record.acknowledged}|${record.severity}`;
    case 'ticket':
      return `ticket|${record.ticketId}|${record.updatedAt.toISOString()}`;
  }
}

export function keysOf(records: readonly SourceRecord[]): string[] {
  return records.map(recordKey).sort();
}

/**
 * Fetches until a sync completes, all records in order. After a stop that names a retry time the
 * clock moves to it, or `waitMs` on when longer (a scheduler waiting for the budget to refill).
 */
export async function syncToEnd(
  connector: SourceConnector,
  clock: ManualClock,
  cursor?: SyncCursor,
  { maxSyncs = 50, waitMs = 0 }: { maxSyncs?: number; waitMs?: number } = {},
): Promise<{ records: SourceRecord[]; results: FetchResult[]; cursor?: SyncCursor }> {
  const records: SourceRecord[] = [];
  const results: FetchResult[] = [];
  let current = cursor;
  for (let i = 0; i < maxSyncs; i++) {
    const result = await connector.fetch({ cursor: current });
    results.push(result);
    records.push(...result.records);
    current = result.cursor;
    if (result.complete) return { records, results, cursor: current };
    const retryAt = Math.max(0, ...result.stops.map((s) => s.retryAt?.getTime() ?? 0));
    if (retryAt > 0) clock.set(Math.max(retryAt, clock.now() + waitMs));
  }
  throw new Error(`no complete sync after ${maxSyncs} fetches`);
}
