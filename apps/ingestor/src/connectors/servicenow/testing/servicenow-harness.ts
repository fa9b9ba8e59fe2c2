/* Test support for the ServiceNow connector integration specs: a seeded simulator on a manual
   clock, connectors built through the registry, and helpers that sync to the end. */
import { ManualClock, ServiceNowSimulator } from '@telcomesh/testing';
import { createConnectorRegistry } from '../../built-in-connectors';
import type {
  ConnectorDeps,
  FetchResult,
  SourceConnector,
  SyncCursor,
  TicketRecord,
} from '../../connector';
import { glideTime } from '../servicenow-records';

export const SN_USER = 'aiops_user';
export const SN_PASSWORD = 'sn-password-7f3a';
export const SN_CLIENT_ID = 'aiops-client';
export const SN_CLIENT_SECRET = 'sn-client-secret-91bc';
export const TABLES = ['incident', 'sc_request', 'change_request', 'problem'] as const;
/** The clock when a test starts: after every seeded record and change. */
export const TEST_NOW = '2025-03-01T00:00:00Z';
/** The order the connector reads a table in. */
export const SYNC_ORDER = 'ORDERBYsys_updated_on^ORDERBYsys_id';

export type RawConfig = Record<string, unknown>;

export interface ServiceNowHarness {
  simulator: ServiceNowSimulator;
  clock: ManualClock;
  config(overrides?: RawConfig): RawConfig;
  connector(overrides?: RawConfig, deps?: Partial<ConnectorDeps>): SourceConnector;
  /** `table|sys_id|sys_updated_on` of every record the simulator holds now, in sync order. */
  expectedKeys(filters?: Partial<Record<string, string>>): string[];
  /** Obtains a refresh token with the password grant, as an administrator would once. */
  refreshToken(): Promise<string>;
  dataRequests(): ServiceNowSimulator['requests'];
  tokenRequests(): ServiceNowSimulator['requests'];
}

export function serviceNowHarness(): ServiceNowHarness {
  const clock = new ManualClock(TEST_NOW);
  const simulator = new ServiceNowSimulator({
    username: SN_USER,
    password: SN_PASSWORD,
    oauth: {
      clientId: SN_CLIENT_ID,
      clientSecret: SN_CLIENT_SECRET,
      accessTokenLifetimeSeconds: 1800,
    },
    records: {
      seed: 11,
      incident: 40,
      sc_request: 14,
      change_request: 12,
      problem: 8,
      from: '2025-02-01T00:00:00Z',
      to: '2025-02-28T00:00:00Z',
    },
    now: () => new Date(clock.now()),
  });
  const registry = createConnectorRegistry();
  const config = (overrides: RawConfig = {}): RawConfig => ({
    instance_url: simulator.url,
    authentication: { type: 'basic', username: SN_USER, password: SN_PASSWORD },
    tables: [...TABLES],
    page_size: 7,
    timeout_ms: 5000,
    retry: { max_attempts: 4, base_delay_ms: 500, max_delay_ms: 8000, max_retry_after_ms: 60_000 },
    ...overrides,
  });
  return {
    simulator,
    clock,
    config,
    connector: (overrides, deps) =>
      registry.create({ sourceType: 'itsm_servicenow' }, config(overrides), {
        sourceId: 'servicenow-test',
        clock,
        random: () => 0.5,
        ...deps,
      }),
    expectedKeys: (filters = {}) =>
      TABLES.flatMap((table) => {
        const filter = filters[table];
        return simulator
          .matching(table, filter ? `${filter}^${SYNC_ORDER}` : SYNC_ORDER)
          .map((row) => `${table}|${String(row.sys_id)}|${String(row.sys_updated_on)}`);
      }),
    async refreshToken() {
      const response = await fetch(`${simulator.url}/oauth_token.do`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: SN_CLIENT_ID,
          client_secret: SN_CLIENT_SECRET,
          username: SN_USER,
          password: SN_PASSWORD,
        }),
      });
      const body = (await response.json()) as { refresh_token: string };
      return body.refresh_token;
    },
    dataRequests: () => simulator.requests.filter((r) => r.path.startsWith('/api/now/')),
    tokenRequests: () => simulator.requests.filter((r) => r.path === '/oauth_token.do'),
  };
}

/** `table|sys_id|sys_updated_on` of delivered tickets, in delivery order. */
export function keysOf(records: FetchResult['records']): string[] {
  return records.map((record) => {
    const ticket = record as TicketRecord;
    return `${ticket.table}|${ticket.ticketId}|${glideTime(ticket.updatedAt.getTime())}`;
  });
}

/**
 * Syncs until a sync completes, the way the pipeline does: each sync with the cursor the last
 * one returned, each by a fresh connector when `restart` is set (a process restart between syncs).
 */
export async function syncToEnd(
  connect: () => SourceConnector,
  cursor: SyncCursor | undefined,
  options: { restart?: boolean; maxSyncs?: number } = {},
): Promise<{ records: FetchResult['records']; cursor: SyncCursor; syncs: number }> {
  const records: FetchResult['records'] = [];
  let connector = connect();
  let current = cursor;
  for (let syncs = 1; syncs <= (options.maxSyncs ?? 50); syncs++) {
    if (options.restart && syncs > 1) {
      await connector.close();
      connector = connect();
    }
    const result = await connector.fetch({ cursor: current });
    records.push(...result.records);
    current = result.cursor;
    if (result.complete) return { records, cursor: current, syncs };
  }
  throw new Error(`not complete after ${options.maxSyncs ?? 50} syncs`);
}
