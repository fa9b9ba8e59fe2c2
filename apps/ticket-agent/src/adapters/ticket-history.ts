import type { TicketTransition } from '@telcomesh/ticket-agent-protocol';
import { DateTime } from 'luxon';

/**
 * A ticket-system time as ISO-8601 UTC (`2024-01-15T10:30:00.000Z`), or undefined when `value`
 * is not a time. Takes ISO strings with or without an offset (`+0000` too), ServiceNow's
 * `yyyy-MM-dd HH:mm:ss`, and epoch numbers (seconds below 10^11, else milliseconds). Times
 * without an offset are read in `zone`.
 */
export function toIsoTime(value: unknown, zone = 'UTC'): string | undefined {
  let time: DateTime | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) {
    time = DateTime.fromMillis(value < 1e11 ? value * 1000 : value, { zone: 'UTC' });
  } else if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    time = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(text)
      ? DateTime.fromFormat(text, text.length === 16 ? 'yyyy-MM-dd HH:mm' : 'yyyy-MM-dd HH:mm:ss', {
          zone,
        })
      : DateTime.fromISO(text, { zone });
  }
  if (!time?.isValid) return undefined;
  return time.toUTC().toISO() ?? undefined;
}

/** The ticket's state when it was opened, to start a history that lacks the opening entries. */
export interface TicketOpening {
  createdAt: string;
  status: string;
  assignmentGroup: string | null;
}

/**
 * The history oldest first (stable for equal times), opened by `from: null` entries: when a
 * field's first recorded change has a `from` value (Jira never records creation; ServiceNow
 * only with insert auditing), an entry at `createdAt` says the ticket started with that value;
 * a field that never changed starts with its current value. The SLA engine can then replay
 * every minute of the ticket from its first entry.
 */
export function completeHistory(
  changes: readonly TicketTransition[],
  current: TicketOpening,
): TicketTransition[] {
  const sorted = changes
    .map((change, index) => ({ change, index, time: Date.parse(change.at) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map(({ change }) => change);
  const openings: TicketTransition[] = [];
  const fields: [TicketTransition['field'], string | null][] = [
    ['status', current.status],
    ['assignment_group', current.assignmentGroup],
  ];
  for (const [field, now] of fields) {
    const first = sorted.find((t) => t.field === field);
    if (first?.from === null) continue;
    const initial = first ? first.from : now;
    if (initial === null) continue;
    const at =
      first && Date.parse(first.at) < Date.parse(current.createdAt) ? first.at : current.createdAt;
    openings.push({ at, field, from: null, to: initial });
  }
  return [...openings, ...sorted];
}
