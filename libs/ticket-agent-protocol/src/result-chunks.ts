import { MAX_MESSAGE_BYTES, type SkippedTicket } from './messages';
import type { AgentTicket } from './ticket';

/** Room kept in each chunk for the envelope (ids, chunk number, flags) around the tickets. */
export const RESULT_ENVELOPE_BYTES = 1024;

export interface ResultChunkContent {
  tickets: AgentTicket[];
  skipped: SkippedTicket[];
}

const byteSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Packs tickets (and skipped-ticket notes) into as few chunks as fit `maxBytes` each once wrapped
 * in a `task_result`, in order. A ticket that cannot fit even alone is not sent: it becomes a
 * skipped note saying its size, so one huge ticket never blocks the rest of a task.
 */
export function packResultChunks(
  tickets: readonly AgentTicket[],
  skipped: readonly SkippedTicket[] = [],
  maxBytes: number = MAX_MESSAGE_BYTES,
): ResultChunkContent[] {
  const budget = maxBytes - RESULT_ENVELOPE_BYTES;
  if (budget <= 0) throw new Error(`maxBytes must exceed ${RESULT_ENVELOPE_BYTES}`);
  const notes = [...skipped];
  const chunks: ResultChunkContent[] = [];
  let current: ResultChunkContent = { tickets: [], skipped: [] };
  let used = 0;
  const place = (size: number, put: (chunk: ResultChunkContent) => void) => {
    if (used + size > budget && used > 0) {
      chunks.push(current);
      current = { tickets: [], skipped: [] };
      used = 0;
    }
    put(current);
    used += size;
  };
  for (const ticket of tickets) {
    const size = byteSize(ticket) + 1;
    if (size > budget) {
      notes.push({
        key: ticket.key,
        reason: `ticket is ${size} bytes encoded, over the ${budget}-byte room of one message`,
      });
      continue;
    }
    place(size, (chunk) => chunk.tickets.push(ticket));
  }
  for (const note of notes) {
    place(byteSize(note) + 1, (chunk) => chunk.skipped.push(note));
  }
  if (used > 0) chunks.push(current);
  return chunks;
}
