// `npm run dlq:replay -- --topic <topic> [--reason TEXT] [--limit N] [--dry-run]`: re-publishes
// the dead letters of a topic to it, with their original bytes and event ids (consumers dedupe).
import { parseArgs } from 'node:util';
import {
  Header,
  KafkaTransport,
  PrefixedTransport,
  replayDeadLetters,
  type MessageTransport,
} from '@telcomesh/messaging';
import { topicByName } from '@telcomesh/contracts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      topic: { type: 'string' },
      reason: { type: 'string' },
      limit: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const topic = values.topic;
  if (!topic || !topicByName(topic))
    throw new Error(
      `--topic must name a registered topic (e.g. telemetry.events.v1), got "${topic ?? ''}"`,
    );
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers)
    throw new Error(
      'KAFKA_BROKERS is not set: dead letters live in Kafka (embedded mode keeps none across restarts)',
    );
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
    throw new Error('--limit must be a positive integer');

  const kafka = await new KafkaTransport({
    brokers: brokers.split(','),
    clientId: 'dlq-replay',
  }).connect();
  const prefix = process.env.KAFKA_TOPIC_PREFIX;
  const transport: MessageTransport = prefix ? new PrefixedTransport(kafka, prefix) : kafka;
  try {
    const result = await replayDeadLetters(transport, {
      topic,
      reasonContains: values.reason,
      limit,
      dryRun: values['dry-run'],
      onRecord: (record, action) =>
        process.stdout.write(
          `${action.padEnd(8)} ${record.headers[Header.id] ?? '?'} offset ${record.offset}: ${record.headers[Header.dlqReason] ?? ''}\n`,
        ),
    });
    process.stdout.write(
      `${values['dry-run'] ? 'dry run: ' : ''}${result.replayed} replayed, ${result.skipped} skipped\n`,
    );
  } finally {
    await kafka.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
