import {
  AlertState,
  CallAlertState,
  create,
  NetworkEventType,
  PerceivedSeverity,
  ProvisionJobState,
  SlaEventType,
  Topics,
} from '@telcomesh/contracts';
import { envelope } from './events.fixture';
import {
  NOTIFIABLE_TOPICS,
  renderAiopsAlert,
  renderCallAlert,
  renderConfigChange,
  renderConnectorHealth,
  renderEvent,
  renderNetworkEvent,
  renderProvisioningFailure,
  renderSlaEvent,
} from './index';

describe('NOTIFIABLE_TOPICS', () => {
  it('lists the topics the notifier renders, each consumed by the notifier', () => {
    expect(NOTIFIABLE_TOPICS.map((t) => t.name)).toEqual([
      'telemetry.events.v1',
      'aiops.alerts.v1',
      'ingest.health.v1',
      'config.changes.v1',
      'provisioning.jobs.v1',
      'sla.events.v1',
      'calls.alerts.v1',
    ]);
    for (const topic of NOTIFIABLE_TOPICS) expect(topic.consumers).toContain('notifier');
  });
});

describe('renderEvent', () => {
  const env = envelope();

  it('renders each notifiable topic with its own renderer', () => {
    const alarm = create(Topics.TelemetryEvents, {
      eventType: NetworkEventType.ALARM,
      severity: PerceivedSeverity.MAJOR,
      siteId: 'site-001',
      alarmId: 'A-1',
    });
    const anomaly = create(Topics.AiopsAlerts, { alertId: 'x', siteId: 'site-001' });
    const health = create(Topics.IngestHealth, { sourceId: 'oss-1' });
    const change = create(Topics.ConfigChanges, { key: 'app.cache.ttl', service: 'gateway' });
    const job = create(Topics.ProvisioningJobs, {
      provisionId: '9',
      state: ProvisionJobState.FAILED,
    });
    const sla = create(Topics.SlaEvents, { ticketId: 't', type: SlaEventType.BREACHED });
    const call = create(Topics.CallAlerts, { alertId: 'c', queueId: 'q' });
    const rendered = [
      renderEvent(Topics.TelemetryEvents.name, alarm, env),
      renderEvent(Topics.AiopsAlerts.name, anomaly, env),
      renderEvent(Topics.IngestHealth.name, health, env),
      renderEvent(Topics.ConfigChanges.name, change, env),
      renderEvent(Topics.ProvisioningJobs.name, job, env),
      renderEvent(Topics.SlaEvents.name, sla, env),
      renderEvent(Topics.CallAlerts.name, call, env),
    ];
    expect(rendered).toStrictEqual([
      renderNetworkEvent(alarm, env),
      renderAiopsAlert(anomaly, env),
      renderConnectorHealth(health, env),
      renderConfigChange(change, env),
      renderProvisioningFailure(job, env),
      renderSlaEvent(sla, env),
      renderCallAlert(call, env),
    ]);
    expect(rendered.map((n) => n?.kind)).toEqual([
      'alarm',
      'aiops_alert',
      'connector_health',
      'config_change',
      'provisioning_failure',
      'sla_event',
      'call_alert',
    ]);
    for (const n of rendered) {
      expect(n?.id).toBe(env.id);
      expect(n?.count).toBe(1);
      expect(n?.labels.condition).toBeTruthy();
    }
  });

  it('renders nothing for a provisioning job that did not fail', () => {
    const job = create(Topics.ProvisioningJobs, {
      provisionId: '9',
      state: ProvisionJobState.SUCCEEDED,
    });
    expect(renderEvent(Topics.ProvisioningJobs.name, job, env)).toBeUndefined();
  });

  it('renders nothing for a topic that is not notifiable', () => {
    const ticket = create(Topics.ItsmTickets, { sysId: 'INC1' });
    expect(renderEvent(Topics.ItsmTickets.name, ticket, env)).toBeUndefined();
    expect(renderEvent('no.such.topic.v1', {}, env)).toBeUndefined();
  });

  it('refuses a message of another type: the consumer is wired to the wrong codec', () => {
    const alert = create(Topics.AiopsAlerts, { alertId: 'x' });
    expect(() => renderEvent(Topics.CallAlerts.name, alert, env)).toThrow(
      new TypeError(
        'calls.alerts.v1 carries telcomesh.calls.v1.CallAlert, not telcomesh.aiops.v1.AiopsAlert',
      ),
    );
    expect(() => renderEvent(Topics.IngestHealth.name, undefined, env)).toThrow(
      'ingest.health.v1 carries telcomesh.ingest.v1.ConnectorHealth, not undefined',
    );
  });

  it('gives the firing and the resolved report of one condition the same condition label', () => {
    const pairs = [
      [
        renderEvent(
          Topics.AiopsAlerts.name,
          create(Topics.AiopsAlerts, { alertId: 'x', state: AlertState.FIRING }),
          env,
        ),
        renderEvent(
          Topics.AiopsAlerts.name,
          create(Topics.AiopsAlerts, { alertId: 'x', state: AlertState.RESOLVED }),
          envelope({ id: 'evt-other' }),
        ),
      ],
      [
        renderEvent(
          Topics.CallAlerts.name,
          create(Topics.CallAlerts, { alertId: 'c', state: CallAlertState.FIRING }),
          env,
        ),
        renderEvent(
          Topics.CallAlerts.name,
          create(Topics.CallAlerts, { alertId: 'c', state: CallAlertState.RESOLVED }),
          envelope({ id: 'evt-other' }),
        ),
      ],
      [
        renderEvent(
          Topics.IngestHealth.name,
          create(Topics.IngestHealth, { sourceId: 's', healthy: false }),
          env,
        ),
        renderEvent(
          Topics.IngestHealth.name,
          create(Topics.IngestHealth, { sourceId: 's', healthy: true }),
          envelope({ id: 'evt-other' }),
        ),
      ],
    ];
    for (const [firing, resolved] of pairs) {
      expect([firing?.status, resolved?.status]).toEqual(['firing', 'resolved']);
      expect(resolved?.labels.condition).toBe(firing?.labels.condition);
    }
  });
});
