import type { MessageInitShape } from '@bufbuild/protobuf';
import { AlertSeverity, AlertState, create, durationFromMs, Topics } from '@telcomesh/contracts';
import { renderAiopsAlert } from './aiops-alert';
import { at, envelope } from './events.fixture';

function throughputDrop(overrides: MessageInitShape<typeof Topics.AiopsAlerts.schema> = {}) {
  return create(Topics.AiopsAlerts, {
    alertId: 'aiops-31',
    tenantId: 'acme-mobile',
    siteId: 'site-001',
    kpi: 'throughput',
    unit: 'Mbps',
    severity: AlertSeverity.MAJOR,
    state: AlertState.FIRING,
    score: 0.9349,
    detector: 'seasonal-zscore',
    observedValue: 42.126,
    expectedValue: 70,
    baselineLower: 60,
    baselineUpper: 80,
    window: durationFromMs(15 * 60_000),
    startedAt: at('2025-01-01T14:00:00Z'),
    observedAt: at('2025-01-01T14:15:00Z'),
    metadata: { technology: '5G', model_version: 'v3' },
    ...overrides,
  });
}

describe('renderAiopsAlert', () => {
  it('renders a firing alert with its evidence', () => {
    expect(renderAiopsAlert(throughputDrop(), envelope())).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'aiops_alert',
      subject: 'aiops.site-001.throughput',
      title: 'Throughput anomaly at site-001',
      summary:
        'Throughput at site-001 is 42.13 Mbps against an expected 70 Mbps (normal 60 – 80 Mbps).',
      severity: 'major',
      status: 'firing',
      tenant: 'acme-mobile',
      site: 'site-001',
      fields: [
        { name: 'Site', value: 'site-001' },
        { name: 'KPI', value: 'throughput' },
        { name: 'Observed', value: '42.13 Mbps' },
        { name: 'Expected', value: '70 Mbps' },
        { name: 'Normal Range', value: '60 – 80 Mbps' },
        { name: 'Anomaly Score', value: '0.93' },
        { name: 'Detector', value: 'seasonal-zscore' },
        { name: 'Window', value: '15m' },
        { name: 'Started', value: '2025-01-01 14:00:00 UTC' },
        { name: 'Model Version', value: 'v3' },
        { name: 'Technology', value: '5G' },
      ],
      labels: {
        condition: 'aiops:aiops-31',
        dedup_key: 'aiops:aiops-31',
        alert_id: 'aiops-31',
        kpi: 'throughput',
        detector: 'seasonal-zscore',
      },
      occurredAt: new Date('2025-01-01T14:15:00.000Z'),
      count: 1,
    });
  });

  it("prefers the detector's own summary while firing", () => {
    const n = renderAiopsAlert(
      throughputDrop({ summary: ' Throughput 40% below baseline ' }),
      envelope(),
    );
    expect(n.summary).toBe('Throughput 40% below baseline');
  });

  it('renders the resolution with the same labels, subject and severity as the firing', () => {
    const firing = renderAiopsAlert(throughputDrop(), envelope());
    const resolved = renderAiopsAlert(
      throughputDrop({
        state: AlertState.RESOLVED,
        summary: 'Throughput 40% below baseline',
        observedValue: 71,
        observedAt: at('2025-01-01T15:00:00Z'),
        resolvedAt: at('2025-01-01T14:58:00Z'),
        metadata: {},
      }),
      envelope({ id: 'evt-8d2e' }),
    );
    expect(resolved).toStrictEqual({
      id: 'evt-8d2e',
      kind: 'aiops_alert',
      subject: firing.subject,
      title: 'Resolved: Throughput anomaly at site-001',
      // The detector's summary described the anomaly, not its end.
      summary: 'Throughput is back within its baseline at site-001.',
      severity: firing.severity,
      status: 'resolved',
      tenant: 'acme-mobile',
      site: 'site-001',
      fields: [
        { name: 'Site', value: 'site-001' },
        { name: 'KPI', value: 'throughput' },
        { name: 'Observed', value: '71 Mbps' },
        { name: 'Expected', value: '70 Mbps' },
        { name: 'Normal Range', value: '60 – 80 Mbps' },
        { name: 'Anomaly Score', value: '0.93' },
        { name: 'Detector', value: 'seasonal-zscore' },
        { name: 'Window', value: '15m' },
        { name: 'Started', value: '2025-01-01 14:00:00 UTC' },
        { name: 'Resolved', value: '2025-01-01 14:58:00 UTC' },
      ],
      labels: firing.labels,
      occurredAt: new Date('2025-01-01T14:58:00.000Z'),
      count: 1,
    });
  });

  it('renders an alert with only its key set without throwing', () => {
    expect(
      renderAiopsAlert(create(Topics.AiopsAlerts, { siteId: 'site-404' }), envelope()),
    ).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'aiops_alert',
      subject: 'aiops.site-404.unknown',
      title: 'KPI anomaly at site-404',
      summary: 'KPI at site-404 is 0 against an expected 0.',
      severity: 'warning',
      status: 'firing',
      site: 'site-404',
      fields: [
        { name: 'Site', value: 'site-404' },
        { name: 'Observed', value: '0' },
        { name: 'Expected', value: '0' },
        { name: 'Anomaly Score', value: '0' },
      ],
      labels: { condition: 'aiops:site-404::', dedup_key: 'aiops:site-404::' },
      occurredAt: new Date('2025-01-01T15:00:00.000Z'),
      count: 1,
    });
  });
});
