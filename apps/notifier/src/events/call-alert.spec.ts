import type { MessageInitShape } from '@bufbuild/protobuf';
import { CallAlertSeverity, CallAlertState, create, Topics } from '@telcomesh/contracts';
import { renderCallAlert } from './call-alert';
import { at, envelope } from './events.fixture';

/** Callers of the first-line support queue waiting far too long. */
function longWait(overrides: MessageInitShape<typeof Topics.CallAlerts.schema> = {}) {
  return create(Topics.CallAlerts, {
    alertId: 'call-77',
    queueId: 'q-support-l1',
    tenantId: 'acme-mobile',
    sourceId: 'pbx-paris',
    queueName: 'Support L1',
    rule: 'longest_wait',
    severity: CallAlertSeverity.CRITICAL,
    state: CallAlertState.FIRING,
    observedValue: 320,
    threshold: 120,
    unit: 's',
    summary: 'A caller has waited 5m20s in Support L1.',
    observedAt: at('2025-01-01T14:31:00Z'),
    metadata: { waiting_calls: '14' },
    ...overrides,
  });
}

describe('renderCallAlert', () => {
  it('renders a firing queue alert', () => {
    expect(renderCallAlert(longWait(), envelope())).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'call_alert',
      subject: 'calls.q-support-l1.longest_wait',
      title: 'Longest wait on queue Support L1',
      summary: 'A caller has waited 5m20s in Support L1.',
      severity: 'critical',
      status: 'firing',
      tenant: 'acme-mobile',
      fields: [
        { name: 'Queue', value: 'Support L1 (q-support-l1)' },
        { name: 'Rule', value: 'longest_wait' },
        { name: 'Observed', value: '320 s' },
        { name: 'Threshold', value: '120 s' },
        { name: 'Call Source', value: 'pbx-paris' },
        { name: 'Waiting Calls', value: '14' },
      ],
      labels: {
        condition: 'call:call-77',
        dedup_key: 'call:call-77',
        alert_id: 'call-77',
        queue_id: 'q-support-l1',
        rule: 'longest_wait',
        source_id: 'pbx-paris',
      },
      occurredAt: new Date('2025-01-01T14:31:00.000Z'),
      count: 1,
    });
  });

  it('renders the resolution with the labels, subject and severity of the firing', () => {
    const firing = renderCallAlert(longWait(), envelope());
    const resolved = renderCallAlert(
      longWait({
        state: CallAlertState.RESOLVED,
        observedValue: 45,
        observedAt: at('2025-01-01T14:52:00Z'),
        metadata: {},
      }),
      envelope({ id: 'evt-3b7c' }),
    );
    expect(resolved).toStrictEqual({
      id: 'evt-3b7c',
      kind: 'call_alert',
      subject: firing.subject,
      title: 'Resolved: Longest wait on queue Support L1',
      summary:
        'Longest wait on queue Support L1 is back within its threshold (45 s, threshold 120 s).',
      severity: firing.severity,
      status: 'resolved',
      tenant: 'acme-mobile',
      fields: [
        { name: 'Queue', value: 'Support L1 (q-support-l1)' },
        { name: 'Rule', value: 'longest_wait' },
        { name: 'Observed', value: '45 s' },
        { name: 'Threshold', value: '120 s' },
        { name: 'Call Source', value: 'pbx-paris' },
      ],
      labels: firing.labels,
      occurredAt: new Date('2025-01-01T14:52:00.000Z'),
      count: 1,
    });
  });

  it('writes its own summary when the call monitor gave none, percentages without a space', () => {
    const n = renderCallAlert(
      longWait({
        rule: 'abandonment_rate',
        severity: CallAlertSeverity.MINOR,
        observedValue: 12.456,
        threshold: 8,
        unit: '%',
        summary: '',
      }),
      envelope(),
    );
    expect([n.subject, n.title, n.summary, n.severity]).toEqual([
      'calls.q-support-l1.abandonment_rate',
      'Abandonment rate on queue Support L1',
      'Abandonment rate on queue Support L1 is 12.46% (threshold 8%).',
      'minor',
    ]);
  });

  it('renders an alert with only its queue without throwing', () => {
    expect(
      renderCallAlert(create(Topics.CallAlerts, { queueId: 'q-9' }), envelope()),
    ).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'call_alert',
      subject: 'calls.q-9.unknown',
      title: 'Queue alert on queue q-9',
      summary: 'Queue alert on queue q-9 is 0 (threshold 0).',
      severity: 'warning',
      status: 'firing',
      fields: [
        { name: 'Queue', value: 'q-9' },
        { name: 'Observed', value: '0' },
        { name: 'Threshold', value: '0' },
      ],
      labels: {
        condition: 'call:q-9:',
        dedup_key: 'call:q-9:',
        queue_id: 'q-9',
      },
      occurredAt: new Date('2025-01-01T15:00:00.000Z'),
      count: 1,
    });
  });
});
