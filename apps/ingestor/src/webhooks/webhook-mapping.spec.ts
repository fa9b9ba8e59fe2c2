import { plainToInstance } from 'class-transformer';
import { validateConnectionConfig } from '../connectors';
import { WebhookMapping, WebhookBodyError, parseJsonBody } from './webhook-mapping';
import { WebhookSourceConfig } from './webhook-source-config';

const alarmConfig = (items = 'alerts') =>
  validateConnectionConfig(
    WebhookSourceConfig,
    {
      hmac_secret: 'a-shared-secret-of-enough-length',
      record_kind: 'alarm',
      items,
      fields: {
        alarm_id: 'id',
        severity: 'level',
        site_id: 'labels.site',
        raised_at: 'startsAt',
        title: 'name',
      },
    },
    'webhook',
  );

describe('WebhookMapping', () => {
  it('maps each item of the body to an alarm with the configured fields', async () => {
    const { records, unmapped } = await new WebhookMapping(alarmConfig()).map({
      alerts: [
        {
          id: 'A-1',
          level: 'major',
          labels: { site: 'SITE-1' },
          startsAt: '2024-01-15T10:00:00Z',
          name: 'Door open',
        },
      ],
    });
    expect(unmapped).toEqual([]);
    expect(records).toEqual([
      expect.objectContaining({
        kind: 'alarm',
        alarmId: 'A-1',
        severity: 'MAJOR',
        siteId: 'SITE-1',
        title: 'Door open',
        sourceSystem: 'WEBHOOK',
        raisedAt: new Date('2024-01-15T10:00:00Z'),
      }),
    ]);
  });

  it('keeps an item that does not map, naming its field, and maps the others', async () => {
    const bad = { id: 'A-2', level: 'major', startsAt: '2024-01-15T10:00:00Z' };
    const { records, unmapped } = await new WebhookMapping(alarmConfig()).map({
      alerts: [
        bad,
        { id: 'A-3', level: 'minor', labels: { site: 'S' }, startsAt: '2024-01-15T10:00:00Z' },
      ],
    });
    expect(records.map((r) => (r.kind === 'alarm' ? r.alarmId : ''))).toEqual(['A-3']);
    expect(unmapped).toEqual([{ raw: bad, field: 'site_id', reason: 'site_id is missing' }]);
  });

  it('refuses a body that is not JSON, naming the body', () => {
    expect(() => parseJsonBody(Buffer.from('{"a":'))).toThrow(WebhookBodyError);
    expect(() => parseJsonBody(Buffer.from(''))).toThrow(/body is empty/);
  });

  it('names the items expression when it cannot be evaluated', async () => {
    await expect(
      new WebhookMapping(alarmConfig('$error("no list")')).map({}),
    ).rejects.toMatchObject({
      field: 'items',
    });
  });

  it('validates the config: a bad JSONata expression and an unknown scheme are named', () => {
    expect(() =>
      validateConnectionConfig(
        WebhookSourceConfig,
        plainToInstance(Object, {
          hmac_secret: 'short',
          signature_scheme: 'md5',
          record_kind: 'metric',
          fields: { site_id: 's', name: 'n', value: 'v(', timestamp: 't' },
        }),
        'webhook',
      ),
    ).toThrow(/hmac_secret[\s\S]*signature_scheme|signature_scheme[\s\S]*hmac_secret/);
  });
});
