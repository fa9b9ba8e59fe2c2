import { builtInIntegrations, IntegrationCatalog, integrationKind } from './catalog';
import type { DeliveryOutcome, HttpSend, Integration } from './integration';
import type { Notification } from './notification';

/** The seed's custom connector: one class, registered by name. */
class CustomSystem implements Integration {
  readonly type = 'custom_system';
  readonly maxBatchSize = 1;
  constructor(private readonly config: { api_url: string; api_key: string }) {}
  async deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    const response = await http({
      method: 'POST',
      url: `${this.config.api_url}/webhooks/config`,
      headers: { authorization: `Bearer ${this.config.api_key}` },
      body: JSON.stringify({ event_type: 'configuration_changed', data: notifications[0] }),
    });
    return response.status === 200
      ? { result: 'delivered', status: 200 }
      : { result: 'failed', reason: `HTTP ${response.status}` };
  }
  checkHealth() {
    return Promise.resolve({ healthy: true, detail: 'ok', latencyMs: 0 });
  }
}

const customKind = integrationKind<{ api_url: string; api_key: string }>({
  type: 'custom_system',
  title: 'Our enterprise system',
  secretFields: ['api_key'],
  parse: (plain) => {
    const p = plain as Record<string, unknown>;
    if (typeof p.api_url !== 'string')
      throw new Error('invalid custom_system config: api_url is required');
    return { api_url: p.api_url, api_key: String(p.api_key) };
  },
  create: (config) => new CustomSystem(config),
});

describe('IntegrationCatalog', () => {
  it('holds every product of seed 004, each with its secret fields', () => {
    const catalog = builtInIntegrations();
    expect(catalog.types().map((k) => k.type)).toEqual([
      'discord',
      'email',
      'github',
      'gitlab',
      'jenkins',
      'jira',
      'newrelic',
      'pagerduty',
      'servicenow',
      'slack',
      'splunk',
      'teams',
      'webhook',
      'zendesk',
    ]);
    expect(catalog.get('slack').secretFields).toEqual(['webhook_url']);
    expect(catalog.get('splunk').secretFields).toEqual(['hec_token']);
  });

  it('builds an integration from a validated config, naming bad fields', () => {
    const catalog = builtInIntegrations();
    const slack = catalog.build('slack', { webhook_url: 'https://hooks.slack.com/services/T/B/x' });
    expect(slack.type).toBe('slack');
    expect(() => catalog.build('slack', { webhook_url: 'nope', colour: 'red' })).toThrow(
      /webhook_url.*\(value redacted\)|colour/,
    );
  });

  it('registers a custom integration by name, as the seed custom connector', async () => {
    const catalog = builtInIntegrations().register(customKind);
    const integration = catalog.build('custom_system', {
      api_url: 'https://api.example',
      api_key: 'k1',
    });
    const sent: unknown[] = [];
    const outcome = await integration.deliver(
      [
        {
          id: 'n1',
          kind: 'config_change',
          subject: 'app.database.host',
          title: 't',
          summary: 's',
          severity: 'info',
          status: 'firing',
          fields: [],
          labels: {},
          occurredAt: new Date(0),
          count: 1,
        },
      ],
      (request) => {
        sent.push(request);
        return Promise.resolve({ status: 200, headers: {}, body: '' });
      },
    );
    expect(outcome).toEqual({ result: 'delivered', status: 200 });
    expect(sent).toMatchObject([
      { url: 'https://api.example/webhooks/config', headers: { authorization: 'Bearer k1' } },
    ]);
  });

  it('refuses duplicate, malformed and unknown types', () => {
    const catalog = new IntegrationCatalog().register(customKind);
    expect(() => catalog.register(customKind)).toThrow('already registered');
    expect(() => catalog.register({ ...customKind, type: 'Bad Type' })).toThrow('lower-case');
    expect(() => catalog.get('carrier_pigeon')).toThrow(
      'unknown integration type "carrier_pigeon" (known: custom_system)',
    );
  });
});
