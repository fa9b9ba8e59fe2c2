import type {
  ConnectionTestResult,
  ConnectorDefinition,
  ConnectorHealth,
  FetchResult,
  SourceConnector,
  SyncCursor,
} from '../connectors';
import { validateConnectionConfig } from '../connectors';
import { WEBHOOK_SOURCE_TYPE, WebhookSourceConfig } from './webhook-source-config';

const NO_CURSOR: SyncCursor = { version: 1, streams: {} };

/**
 * The registry's side of a webhook source: the sender pushes, so there is nothing to poll (the
 * definition is `pushOnly`: never leased or scheduled; each delivery records the health). It
 * exists so the registry validates the config, seals the secret and tests like any other source;
 * `fetch` returns nothing and keeps the cursor.
 */
export class WebhookPushSource implements SourceConnector<WebhookSourceConfig> {
  readonly sourceType = WEBHOOK_SOURCE_TYPE;

  constructor(readonly config: WebhookSourceConfig) {}

  validateConfig(raw: unknown): WebhookSourceConfig {
    return validateConnectionConfig(WebhookSourceConfig, raw, WEBHOOK_SOURCE_TYPE);
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  fetch(): Promise<FetchResult> {
    return Promise.resolve({
      records: [],
      cursor: NO_CURSOR,
      complete: true,
      stops: [],
      rejected: [],
      rejectedCount: 0,
    });
  }

  testConnection(): Promise<ConnectionTestResult> {
    return Promise.resolve({
      ok: true,
      stage: 'parse',
      message: `pushed by its sender to POST /webhooks/sources/{source_id}; nothing to connect to`,
      latencyMs: 0,
    });
  }

  health(): ConnectorHealth {
    return {
      healthy: true,
      errorCount: 0,
      requests: 0,
      errors: 0,
      recordsCollected: 0,
      quotaExceeded: 0,
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Registry entry of webhook sources. */
export const WEBHOOK_SOURCE_CONNECTOR = {
  sourceType: WEBHOOK_SOURCE_TYPE,
  connectorClass: 'Webhook_Receiver',
  configClass: WebhookSourceConfig,
  secretFields: ['hmac_secret'],
  pushOnly: true,
  create: (config) => new WebhookPushSource(config),
} satisfies ConnectorDefinition<WebhookSourceConfig> & { secretFields: readonly string[] };
