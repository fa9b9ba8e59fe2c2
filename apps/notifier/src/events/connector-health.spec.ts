import { create, SourceCondition, Topics } from '@telcomesh/contracts';
import { renderConnectorHealth } from './connector-health';
import { at, envelope } from './events.fixture';

describe('renderConnectorHealth', () => {
  it('renders an unhealthy connector as a firing major notification', () => {
    const health = create(Topics.IngestHealth, {
      sourceId: 'oss-ericsson-01',
      tenantId: 'acme-mobile',
      healthy: false,
      lastSync: at('2025-01-01T13:45:00Z'),
      errorCount: 3,
      // credentials the source echoed back: they must not reach a chat room
      lastError: 'connect ECONNREFUSED https://svc:hunter2@oss.example:8443/api\n  at connect()',
      checkedAt: at('2025-01-01T14:50:00Z'),
    });
    expect(renderConnectorHealth(health, envelope())).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'connector_health',
      subject: 'ingest.oss-ericsson-01.health',
      title: 'Data source oss-ericsson-01 is unhealthy',
      summary:
        '3 consecutive sync attempts failed: connect ECONNREFUSED https://[REDACTED]@oss.example:8443/api at connect(). Last successful sync: 2025-01-01 13:45:00 UTC.',
      severity: 'major',
      status: 'firing',
      tenant: 'acme-mobile',
      fields: [
        { name: 'Data Source', value: 'oss-ericsson-01' },
        { name: 'Consecutive Failures', value: '3' },
        {
          name: 'Last Error',
          value: 'connect ECONNREFUSED https://[REDACTED]@oss.example:8443/api at connect()',
        },
        { name: 'Last Successful Sync', value: '2025-01-01 13:45:00 UTC' },
      ],
      labels: {
        condition: 'health:oss-ericsson-01',
        dedup_key: 'health:oss-ericsson-01',
        source_id: 'oss-ericsson-01',
      },
      occurredAt: new Date('2025-01-01T14:50:00.000Z'),
      count: 1,
    });
  });

  it('names the seed’s connectivity alert when the report carries its condition', () => {
    const cases: [SourceCondition, string][] = [
      [SourceCondition.CONNECTION_LOST, 'connection lost'],
      [SourceCondition.AUTH_FAILED, 'authentication failed'],
      [SourceCondition.CORRUPT_DATA, 'corrupt data'],
      [SourceCondition.QUOTA_EXCEEDED, 'quota exceeded'],
      [SourceCondition.MISCONFIGURED, 'misconfigured'],
    ];
    for (const [condition, label] of cases) {
      const n = renderConnectorHealth(
        create(Topics.IngestHealth, {
          sourceId: 'snow-1',
          healthy: false,
          errorCount: 1,
          condition,
          lastError: `x: y`,
        }),
        envelope(),
      );
      expect(n.title).toBe(`Data source snow-1: ${label}`);
      expect(n.fields[1]).toStrictEqual({ name: 'Condition', value: label });
      expect(n.labels.condition).toBe('health:snow-1');
    }
    // A recovery says it is healthy, whatever condition it came from.
    const ok = renderConnectorHealth(
      create(Topics.IngestHealth, {
        sourceId: 'snow-1',
        healthy: true,
        condition: SourceCondition.OK,
      }),
      envelope(),
    );
    expect(ok.title).toBe('Data source snow-1 is healthy again');
    expect(ok.fields.map((f) => f.name)).not.toContain('Condition');
  });

  it('renders the recovery as resolved, landing where the failure did', () => {
    const failing = renderConnectorHealth(
      create(Topics.IngestHealth, { sourceId: 'oss-ericsson-01', healthy: false }),
      envelope(),
    );
    const recovered = renderConnectorHealth(
      create(Topics.IngestHealth, {
        sourceId: 'oss-ericsson-01',
        healthy: true,
        lastSync: at('2025-01-01T15:05:00Z'),
        recordsCollected: 1234,
        responseTimeMs: 850,
        checkedAt: at('2025-01-01T15:05:01Z'),
      }),
      envelope({ id: 'evt-1d4f', tenant: 'acme-mobile' }),
    );
    expect(recovered).toStrictEqual({
      id: 'evt-1d4f',
      kind: 'connector_health',
      subject: failing.subject,
      title: 'Data source oss-ericsson-01 is healthy again',
      summary: 'The connector is syncing again: 1,234 records collected in 850 ms.',
      severity: failing.severity,
      status: 'resolved',
      tenant: 'acme-mobile',
      fields: [
        { name: 'Data Source', value: 'oss-ericsson-01' },
        { name: 'Last Successful Sync', value: '2025-01-01 15:05:00 UTC' },
        { name: 'Records Collected', value: '1,234' },
        { name: 'Response Time', value: '850 ms' },
      ],
      labels: failing.labels,
      occurredAt: new Date('2025-01-01T15:05:01.000Z'),
      count: 1,
    });
  });

  it('renders a connector that never synced and says nothing else', () => {
    expect(
      renderConnectorHealth(create(Topics.IngestHealth, { sourceId: 'iot-7' }), envelope()),
    ).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'connector_health',
      subject: 'ingest.iot-7.health',
      title: 'Data source iot-7 is unhealthy',
      summary: 'The connector cannot reach or read its source. Last successful sync: never.',
      severity: 'major',
      status: 'firing',
      fields: [
        { name: 'Data Source', value: 'iot-7' },
        { name: 'Last Successful Sync', value: 'never' },
      ],
      labels: { condition: 'health:iot-7', dedup_key: 'health:iot-7', source_id: 'iot-7' },
      occurredAt: new Date('2025-01-01T15:00:00.000Z'),
      count: 1,
    });
  });

  it('does not claim a healthy connector never synced when the report just leaves the time out', () => {
    const n = renderConnectorHealth(
      create(Topics.IngestHealth, { sourceId: 'iot-7', healthy: true }),
      envelope(),
    );
    expect(n.summary).toBe('The connector is syncing again.');
    expect(n.fields).toStrictEqual([{ name: 'Data Source', value: 'iot-7' }]);
  });
});
