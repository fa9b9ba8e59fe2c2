// `npm start`: all six services in one Node process on their usual ports, with the embedded bus,
// PGlite under .data/ and in-memory cache, plus the simulators a newcomer needs to see data flow.
// This file is the composition root of embedded mode, so it alone reaches into apps/.
import { sharedEmbeddedBus } from '@telcomesh/messaging';
import { startService, type RunningService } from '@telcomesh/platform';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ContactCentreSimulator,
  demoContactCentreConfig,
  EricssonEnmSimulator,
  generateAlarm,
  IotEnergySimulator,
  JiraSimulator,
  OssDataset,
  ServiceNowSimulator,
  WebhookSink,
} from '@telcomesh/testing';
import { startTicketAgent, type RunningTicketAgent } from '../apps/ticket-agent/src/main';
import { SERVICES } from './services';

const DISTRIBUTED_ONLY = ['KAFKA_BROKERS', 'DATABASE_URL', 'REDIS_URL', 'PORT', 'DATABASE_SCHEMA'];

/** The ingestor's demo data source: the ENM simulator, polled every 30 s (seed data_sources.yaml). */
/** Where the demo's simulated systems listen. */
interface DemoSystems {
  enmUrl: string;
  iotUrl: string;
  serviceNowUrl: string;
}

function demoDataSources({ enmUrl, iotUrl, serviceNowUrl }: DemoSystems): string {
  return `data_sources:
  - source_id: demo-enm
    connector_class: OSS_NetworkConnector
    polling_interval: 30
    enabled: true
    source_name: Demo Ericsson ENM (simulated)
    source_type: oss_network
    connection_config:
      base_url: ${enmUrl}
      oss_type: ericsson
      initial_lookback_minutes: 30
      authentication:
        type: oauth2
        client_id: aiops-client
        client_secret: \${env:DEMO_ENM_CLIENT_SECRET}
        token_endpoint: /auth/oauth2/token
    mapping_rules:
      tenant_mapping: demo-towerco
  - source_id: demo-energy
    connector_class: Energy_IoTConnector
    polling_interval: 60
    enabled: true
    source_name: Demo tower energy sensors (simulated IoT platform)
    source_type: energy_iot
    connection_config:
      base_url: ${iotUrl}
      initial_lookback_minutes: 120
      authentication:
        type: api_key
        api_key: \${env:DEMO_IOT_API_KEY}
        key_header: X-API-Key
    mapping_rules:
      tenant_mapping: demo-towerco
  - source_id: demo-servicenow
    connector_class: ITSM_ServiceNowConnector
    polling_interval: 60
    enabled: true
    source_name: Demo ServiceNow (simulated)
    source_type: itsm_servicenow
    connection_config:
      instance_url: ${serviceNowUrl}
      initial_lookback_days: 30
      authentication:
        type: basic
        username: aiops_user
        password: \${env:DEMO_SERVICENOW_PASSWORD}
    mapping_rules:
      tenant_mapping: demo-towerco
`;
}

/** SLA policies of the demo: office hours in Paris for most tickets, 24x7 for the urgent ones. */
const DEMO_SLA_POLICIES = `calendars:
  - id: paris-office
    timeZone: Europe/Paris
    weeklyHours:
      monday: [{ start: '09:00', end: '18:00' }]
      tuesday: [{ start: '09:00', end: '18:00' }]
      wednesday: [{ start: '09:00', end: '18:00' }]
      thursday: [{ start: '09:00', end: '18:00' }]
      friday: [{ start: '09:00', end: '18:00' }]
    holidays: [{ date: '2026-12-25', name: 'Christmas' }]
  - id: always
    timeZone: UTC
    alwaysOpen: true
policies:
  - id: urgent
    name: Highest 30 min response, 4 h resolution (24x7)
    calendarId: always
    match: { priorities: [Highest] }
    targets: { responseMinutes: 30, resolutionMinutes: 240 }
    atRiskThresholds: [0.75, 0.9]
    pauseStatuses: [Waiting for customer]
    stopStatuses: [Resolved, Closed]
  - id: standard
    name: 4 h response, 3 business days resolution
    calendarId: paris-office
    targets: { responseMinutes: 240, resolutionMinutes: 1620 }
    atRiskThresholds: [0.75, 0.9]
    pauseStatuses: [Waiting for customer, Pending]
    stopStatuses: [Resolved, Closed]
`;

async function main(): Promise<void> {
  const base: Record<string, string | undefined> = {
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  for (const key of DISTRIBUTED_ONLY) delete base[key];

  const sinkPort = Number(process.env.DEMO_WEBHOOK_PORT ?? 8090);
  const sink = process.env.NOTIFIER_WEBHOOK_URL
    ? undefined
    : new WebhookSink({ port: sinkPort, maxKept: 1000 });
  const webhookUrl = process.env.NOTIFIER_WEBHOOK_URL ?? `${await sink?.start()}/hooks/telcomesh`;

  // A simulated contact centre (three queues, eight agents) speaking Asterisk AMI on loopback:
  // the call monitor watches it like a real PBX.
  const contactCentre = new ContactCentreSimulator({
    ...demoContactCentreConfig(1),
    startTime: Date.now(),
  });
  const pbx = await contactCentre.serve({ users: { monitor: 'demo-ami-secret' } });
  const pbxRun = contactCentre.run({ speed: 1 });
  const callSources = JSON.stringify([
    {
      id: 'demo-pbx',
      kind: 'ami',
      host: '127.0.0.1',
      port: pbx.port,
      username: 'monitor',
      secret: 'demo-ami-secret',
      trunk_channel_prefixes: ['PJSIP/trunk-'],
    },
  ]);

  // A Jira Service Management with seeded NOC tickets, read by a ticket agent that dials
  // ticket-sla like one running in a customer's network would (seed 001).
  const dataDir = resolve(process.env.DATA_DIR ?? '.data');
  mkdirSync(dataDir, { recursive: true });
  const jiraToken = randomBytes(12).toString('hex');
  const jira = new JiraSimulator({
    username: 'noc-agent@telcomesh.demo',
    apiToken: jiraToken,
    projects: ['NOC'],
    tickets: { count: 120, seed: 3 },
    filters: {
      '10001': { name: 'Open NOC tickets (arrears)', jql: 'project = NOC' },
      '10002': {
        name: 'Stopped NOC tickets',
        jql: 'project = NOC AND status = "Waiting for customer"',
      },
    },
  });
  const jiraUrl = await jira.start();
  const agentKey = randomBytes(24).toString('base64url');
  const slaPolicies = join(dataDir, 'demo-sla-policies.yaml');
  writeFileSync(slaPolicies, DEMO_SLA_POLICIES);
  const agents: RunningTicketAgent[] = [];

  // An Ericsson ENM northbound with five sites publishing one-minute KPIs and open alarms, polled
  // by the ingestor as a data source (seed 000) declared in a sources file.
  const enmSecret = randomBytes(16).toString('hex');
  process.env.DEMO_ENM_CLIENT_SECRET = enmSecret;
  const enm = new EricssonEnmSimulator({
    clientSecret: enmSecret,
    dataset: new OssDataset({
      seed: 1,
      sites: 5,
      granularityMinutes: 1,
      periods: 24 * 60,
      alarms: 8,
      start: new Date(Date.now() - 30 * 60_000),
    }),
  });
  const enmUrl = await enm.start();

  // Tower energy sensors behind an IoT platform's REST API (API key): two hours of readings,
  // then one per sensor every minute.
  const iotKey = randomBytes(12).toString('hex');
  process.env.DEMO_IOT_API_KEY = iotKey;
  const iot = new IotEnergySimulator({
    apiKey: iotKey,
    keyHeader: 'X-API-Key',
    sites: 5,
    intervalMinutes: 5,
    from: new Date(Date.now() - 120 * 60_000).toISOString(),
    to: new Date().toISOString(),
  });
  const iotUrl = await iot.start();
  const iotLive = setInterval(() => iot.recordRound(Date.now()), 60_000);
  iotLive.unref();

  // A ServiceNow instance (Table API, basic auth) with a month of incidents, requests, changes
  // and problems, synced incrementally into itsm.tickets.v1.
  const serviceNowPassword = randomBytes(12).toString('hex');
  process.env.DEMO_SERVICENOW_PASSWORD = serviceNowPassword;
  const serviceNow = new ServiceNowSimulator({
    username: 'aiops_user',
    password: serviceNowPassword,
    records: { seed: 5, incident: 40, sc_request: 10, change_request: 10, problem: 5 },
  });
  const serviceNowUrl = await serviceNow.start();

  const ingestorSources = join(dataDir, 'demo-data-sources.yaml');
  writeFileSync(ingestorSources, demoDataSources({ enmUrl, iotUrl, serviceNowUrl }));

  const running: RunningService[] = [];
  const stop = async () => {
    await enm.stop().catch(() => undefined);
    clearInterval(iotLive);
    await iot.stop().catch(() => undefined);
    await serviceNow.stop().catch(() => undefined);
    clearInterval(demo);
    for (const agent of agents) await agent.close().catch(() => undefined);
    await jira.stop().catch(() => undefined);
    pbxRun.stop();
    await contactCentre.close().catch(() => undefined);
    for (const service of running.reverse()) await service.close().catch(() => undefined);
    await sharedEmbeddedBus().close();
    await sink?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  // Sequential start: PGlite instances initialise one at a time, which keeps peak memory low.
  for (const definition of SERVICES) {
    const env =
      definition.name === 'notifier'
        ? { ...base, NOTIFIER_WEBHOOK_URL: webhookUrl }
        : definition.name === 'ingestor'
          ? { ...base, INGESTOR_SOURCES_FILE: process.env.INGESTOR_SOURCES_FILE ?? ingestorSources }
          : definition.name === 'ticket-sla'
            ? {
                ...base,
                TOKEN: 'demo-agent',
                KEY: agentKey,
                INTERVAL: process.env.INTERVAL ?? '30',
                FILTER_ARREARS: '10001',
                FILTER_STOPPED: '10002',
                TICKET_SLA_POLICY_FILE: process.env.TICKET_SLA_POLICY_FILE ?? slaPolicies,
              }
            : definition.name === 'call-monitor'
              ? { ...base, CALL_MONITOR_SOURCES: process.env.CALL_MONITOR_SOURCES ?? callSources }
              : definition.name === 'provisioning'
                ? // One machine: local callers are trusted by address (the seed's IP allow-list method).
                  {
                    ...base,
                    AUTH_IP_ALLOWLIST: process.env.AUTH_IP_ALLOWLIST ?? '127.0.0.1/32,::1/128',
                  }
                : base;
    running.push(await startService(definition, env));
  }

  const ticketSla = running.find((s) => s.runtime.service === 'ticket-sla');
  const agent = await startTicketAgent({
    EMAIL: 'noc-agent@telcomesh.demo',
    PASSWORD: jiraToken,
    URL: jiraUrl,
    TOKEN: 'demo-agent',
    KEY: agentKey,
    SERVER: `${ticketSla?.url.replace(/^http/, 'ws')}/agents`,
    TICKET_SYSTEM: 'jira',
    OUTBOX_DIR: join(dataDir, 'ticket-agent-outbox'),
    LOG_LEVEL: base.LOG_LEVEL,
  });
  agents.push(agent);

  const ingestor = running.find((s) => s.runtime.service === 'ingestor');
  let sequence = 0;
  const demo = setInterval(
    () => {
      if (!ingestor || process.env.DEMO_ALARMS === '0') return;
      void fetch(`${ingestor.url}/webhooks/demo-oss/alarms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(generateAlarm(sequence++)),
      }).catch(() => undefined);
    },
    Number(process.env.DEMO_ALARM_INTERVAL_MS ?? 5000),
  );

  const lines = running.map(
    (s) =>
      `  ${s.runtime.service.padEnd(13)} ${s.url}   (docs ${s.url}/docs, ready ${s.url}/health/ready)`,
  );
  process.stdout.write(
    [
      '',
      'TelcoMesh is running (embedded mode: in-process bus, PGlite in .data/, in-memory cache)',
      ...lines,
      sink
        ? `  webhook sink  ${sink.url}/deliveries   (what the notifier delivered)`
        : `  webhook       ${webhookUrl}`,
      '',
      `A simulated contact centre streams calls over AMI (127.0.0.1:${pbx.port}): see them at`,
      `  ${running.find((s) => s.runtime.service === 'call-monitor')?.url}/calls, or live on ws://…/live`,
      `The ingestor polls a simulated Ericsson ENM (${enmUrl}) every 30 s: ${running.find((r) => r.runtime.service === 'ingestor')?.url}/sources/demo-enm/health`,
      `A ticket agent reads a simulated Jira (${jiraUrl}) for ticket-sla: SLA breaches and causes at`,
      `  ${ticketSla?.url}/bi/breaches, /bi/at-risk, /bi/paused, /bi/compliance (agents: /agents)`,
      'A demo alarm is POSTed every 5 s; send your own:',
      `  curl -X POST ${ingestor?.url}/webhooks/my-oss/alarms -H 'content-type: application/json' \\`,
      `    -d '{"alarm_id":"ALM-1","severity":"CRITICAL","title":"Cell Down","site_id":"site-001","source_system":"OSS-ericsson","event_time":"${new Date().toISOString()}"}'`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
