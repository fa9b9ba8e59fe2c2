import { randomUUID } from 'node:crypto';
import { Header } from '../envelope';
import { dlqTopicOf } from '@telcomesh/contracts';
import type { InboundRecord, MessageHeaders, MessageTransport } from '../transport';

export interface DlqReplayOptions {
  /** The original topic whose dead letters are replayed. */
  topic: string;
  /** Only records whose reason contains this text. */
  reasonContains?: string;
  limit?: number;
  dryRun?: boolean;
  /** Stop once the DLQ has been idle (caught up) this long. */
  idleMs?: number;
  onRecord?: (record: InboundRecord, action: 'replayed' | 'skipped') => void;
}

export interface DlqReplayResult {
  replayed: number;
  skipped: number;
}

function originalHeaders(headers: MessageHeaders): MessageHeaders {
  const out: MessageHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (!key.startsWith('x-dlq-') && key !== Header.retryCount) out[key] = value;
  }
  out['x-replay-count'] = String(Number(headers['x-replay-count'] ?? '0') + 1);
  return out;
}

/**
 * Re-publishes dead letters to the topic they came from, with their original bytes and envelope
 * (same ce_id, so consumers that already handled one drop it). Progress is committed under the
 * group `dlq-replay.<topic>`, so a replay never sends the same dead letter twice.
 */
export async function replayDeadLetters(
  transport: MessageTransport,
  options: DlqReplayOptions,
): Promise<DlqReplayResult> {
  const dlq = dlqTopicOf(options.topic);
  // A dry run reads under a throwaway group so the real replay position does not move.
  const groupId = options.dryRun
    ? `dlq-inspect.${options.topic}.${randomUUID()}`
    : `dlq-replay.${options.topic}`;
  const result: DlqReplayResult = { replayed: 0, skipped: 0 };
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let lastActivity = Date.now();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));

  const subscription = await transport.subscribe({
    groupId,
    topics: [dlq],
    fromBeginning: true,
    handler: async (record) => {
      lastActivity = Date.now();
      if (result.replayed >= limit) {
        done();
        throw new Error('replay limit reached'); // leaves this record uncommitted for the next run
      }
      const reason = record.headers[Header.dlqReason] ?? '';
      if (options.reasonContains && !reason.includes(options.reasonContains)) {
        result.skipped++;
        options.onRecord?.(record, 'skipped');
        return;
      }
      if (options.dryRun) {
        result.skipped++;
        options.onRecord?.(record, 'skipped');
        return;
      }
      await transport.publish([
        {
          topic: record.headers[Header.dlqOriginalTopic] ?? options.topic,
          key: record.key,
          value: record.value,
          headers: originalHeaders(record.headers),
        },
      ]);
      result.replayed++;
      options.onRecord?.(record, 'replayed');
    },
  });

  const idleMs = options.idleMs ?? 2000;
  const watch = setInterval(() => {
    void transport.groupLag(groupId, [dlq]).then(
      (lags) => {
        const lag = lags.reduce((sum, l) => sum + l.lag, 0);
        if (lag === 0 && Date.now() - lastActivity > idleMs) done();
      },
      () => undefined, // bus unreachable for a moment: not caught up, ask again next tick
    );
  }, 200);
  await finished;
  clearInterval(watch);
  await subscription.close();
  return result;
}
