// `npm start`: all six services in one Node process on their usual ports, with the embedded bus,
// PGlite under .data/ and in-memory cache, plus the simulators a newcomer needs to see data flow.
// This file is the composition root of embedded mode, so it alone reaches into apps/.
import { sharedEmbeddedBus } from '@telcomesh/messaging';
import { startService, type RunningService } from '@telcomesh/platform';
import {
  ContactCentreSimulator,
  demoContactCentreConfig,
  generateAlarm,
  WebhookSink,
} from '@telcomesh/testing';
import { SERVICES } from './services';

const DISTRIBUTED_ONLY = ['KAFKA_BROKERS', 'DATABASE_URL', 'REDIS_URL', 'PORT', 'DATABASE_SCHEMA'];

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

  const running: RunningService[] = [];
  const stop = async () => {
    clearInterval(demo);
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
