import type { MessageInitShape } from '@bufbuild/protobuf';
import { ConfigChangeAction, create, Topics } from '@telcomesh/contracts';
import { renderEmail, subjectMatcher } from '@telcomesh/notifier-integrations';
import { isSensitiveConfigKey, renderConfigChange } from './config-change';
import { at, envelope } from './events.fixture';

/** The seed's example: the database host moved to production. */
function databaseHost(overrides: MessageInitShape<typeof Topics.ConfigChanges.schema> = {}) {
  return create(Topics.ConfigChanges, {
    changeId: 'chg-0042',
    tenantId: 'company',
    service: 'gateway',
    key: 'app.database.host',
    action: ConfigChangeAction.UPDATED,
    oldValue: 'localhost',
    newValue: 'prod-db.internal',
    redacted: false,
    actor: 'admin@company.com',
    reason: 'database migration',
    changedAt: at('2025-01-01T14:30:00Z'),
    ...overrides,
  });
}

describe('renderConfigChange', () => {
  it('renders the seed\'s "Configuration Changed" notification', () => {
    expect(renderConfigChange(databaseHost(), envelope())).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'config_change',
      subject: 'app.database.host',
      title: 'Configuration Changed: app.database.host',
      summary:
        'app.database.host changed from "localhost" to "prod-db.internal" by admin@company.com. Reason: database migration',
      severity: 'warning',
      status: 'firing',
      tenant: 'company',
      fields: [
        { name: 'Key', value: 'app.database.host' },
        { name: 'Old Value', value: 'localhost' },
        { name: 'New Value', value: 'prod-db.internal' },
        { name: 'Changed By', value: 'admin@company.com' },
        { name: 'Reason', value: 'database migration' },
        { name: 'Service', value: 'gateway' },
      ],
      labels: {
        condition: 'config:chg-0042',
        dedup_key: 'config:chg-0042',
        config_key: 'app.database.host',
        service: 'gateway',
        change_id: 'chg-0042',
        action: 'updated',
      },
      occurredAt: new Date('2025-01-01T14:30:00.000Z'),
      count: 1,
    });
  });

  it('shows [redacted] for both values when the producer masked a secret', () => {
    const n = renderConfigChange(
      databaseHost({
        key: 'integrations.slack.webhook_url',
        oldValue: 'https://hooks.slack.com/services/T000/B000/***',
        newValue: 'https://hooks.slack.com/services/T000/B001/***',
        redacted: true,
        reason: '',
      }),
      envelope(),
    );
    expect(n.summary).toBe(
      'integrations.slack.webhook_url changed by admin@company.com (values redacted).',
    );
    expect(n.severity).toBe('info');
    expect(n.fields).toStrictEqual([
      { name: 'Key', value: 'integrations.slack.webhook_url' },
      { name: 'Old Value', value: '[redacted]' },
      { name: 'New Value', value: '[redacted]' },
      { name: 'Changed By', value: 'admin@company.com' },
      { name: 'Reason', value: '(none given)' },
      { name: 'Service', value: 'gateway' },
    ]);
    expect(JSON.stringify(n)).not.toContain('hooks.slack.com');
  });

  it('tells a created key from a deleted one', () => {
    const created = renderConfigChange(
      databaseHost({
        key: 'datasources.oss-ericsson-01.polling_interval',
        action: ConfigChangeAction.CREATED,
        oldValue: undefined,
        newValue: '60s',
      }),
      envelope(),
    );
    expect([created.title, created.summary, created.labels.action]).toEqual([
      'Configuration Created: datasources.oss-ericsson-01.polling_interval',
      'datasources.oss-ericsson-01.polling_interval was created with "60s" by admin@company.com. Reason: database migration',
      'created',
    ]);
    expect(created.fields.slice(1, 3)).toStrictEqual([
      { name: 'Old Value', value: '(not set)' },
      { name: 'New Value', value: '60s' },
    ]);
    const deleted = renderConfigChange(
      databaseHost({ action: ConfigChangeAction.DELETED, newValue: undefined, reason: '' }),
      envelope(),
    );
    expect([deleted.title, deleted.summary, deleted.labels.action]).toEqual([
      'Configuration Deleted: app.database.host',
      'app.database.host was deleted by admin@company.com (was "localhost").',
      'deleted',
    ]);
    expect(deleted.fields.slice(1, 3)).toStrictEqual([
      { name: 'Old Value', value: 'localhost' },
      { name: 'New Value', value: '(not set)' },
    ]);
  });

  it('uses the key as subject, so route globs select changes by key', () => {
    const matches = subjectMatcher(['*.database.*']);
    expect(matches(renderConfigChange(databaseHost(), envelope()).subject)).toBe(true);
    expect(
      matches(renderConfigChange(databaseHost({ key: 'app.cache.ttl' }), envelope()).subject),
    ).toBe(false);
  });

  it('raises security, database and payment keys to warning', () => {
    expect(
      ['app.security.jwt_ttl', 'app.payment.provider', 'billing.database.pool_size'].map(
        isSensitiveConfigKey,
      ),
    ).toEqual([true, true, true]);
    // deeper keys are no less sensitive; a first or last segment is a service or a setting name
    expect(isSensitiveConfigKey('services.payment.gateway.url')).toBe(true);
    expect(
      ['app.cache.ttl', 'database.host', 'app.database', 'app.databases.host', ''].map(
        isSensitiveConfigKey,
      ),
    ).toEqual([false, false, false, false, false]);
    expect(renderConfigChange(databaseHost({ key: 'app.cache.ttl' }), envelope()).severity).toBe(
      'info',
    );
  });

  it('renders a change with nothing but defaults without throwing', () => {
    expect(
      renderConfigChange(create(Topics.ConfigChanges), envelope({ tenant: 'company' })),
    ).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'config_change',
      subject: 'config.unknown.unknown',
      title: 'Configuration Changed: unknown key',
      summary: 'A configuration key changed.',
      severity: 'info',
      status: 'firing',
      tenant: 'company',
      fields: [
        { name: 'Key', value: '(not set)' },
        { name: 'Old Value', value: '(not set)' },
        { name: 'New Value', value: '(not set)' },
        { name: 'Changed By', value: '(unknown)' },
        { name: 'Reason', value: '(none given)' },
        { name: 'Service', value: '(unknown)' },
      ],
      labels: { condition: 'config:evt-7f3a', dedup_key: 'config:evt-7f3a', action: 'updated' },
      occurredAt: new Date('2025-01-01T15:00:00.000Z'),
      count: 1,
    });
  });

  it('fills every row of the "Configuration Changed" e-mail', () => {
    const email = renderEmail([renderConfigChange(databaseHost(), envelope())], {
      subjectPrefix: '[TelcoMesh]',
    });
    expect(email.subject).toBe('[TelcoMesh] [WARNING] Configuration Changed: app.database.host');
    expect(email.text).toContain(
      [
        'Key:        app.database.host',
        'Old Value:  localhost',
        'New Value:  prod-db.internal',
        'Changed By: admin@company.com',
        'Reason:     database migration',
      ].join('\n'),
    );
  });
});
