import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import { InMemoryTicketSystem } from './bench-agents';

const ticket = (key: string, updatedAt: string): AgentTicket => ({
  key,
  system: 'bench-a',
  externalId: key,
  title: key,
  status: 'In progress',
  priority: 'P3',
  category: null,
  customer: null,
  assignmentGroup: 'NOC L1',
  assignee: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt,
  resolvedAt: null,
  url: null,
  history: [],
});

async function pagesOf(iterable: AsyncIterable<AgentTicket[]>): Promise<string[][]> {
  const out: string[][] = [];
  for await (const page of iterable) out.push(page.map((t) => t.key));
  return out;
}

describe('InMemoryTicketSystem', () => {
  const tickets = [
    ticket('A', '2026-01-01T10:00:00.000Z'),
    ticket('B', '2026-01-02T10:00:00.000Z'),
    ticket('C', '2026-01-03T10:00:00.000Z'),
    ticket('D', '2026-01-04T10:00:00.000Z'),
    ticket('E', '2026-01-05T10:00:00.000Z'),
  ];

  it('returns every ticket in pages on the first search, and marks its start and end', async () => {
    const system = new InMemoryTicketSystem('bench-a', tickets, 2);
    expect(system.firstSearchAt).toBeUndefined();
    expect(
      await pagesOf(system.search({ filterId: 'open' }, new AbortController().signal)),
    ).toEqual([['A', 'B'], ['C', 'D'], ['E']]);
    expect(system.firstSearchAt).toBeDefined();
    expect(system.firstSearchDoneAt).toBeGreaterThanOrEqual(system.firstSearchAt as number);
  });

  it('returns only what changed since an incremental search asks for', async () => {
    const system = new InMemoryTicketSystem('bench-a', tickets, 10);
    const since = { filterId: 'open', updatedSince: '2026-01-04T00:00:00.000Z' };
    expect(await pagesOf(system.search(since, new AbortController().signal))).toEqual([['D', 'E']]);
    const later = { filterId: 'open', updatedSince: '2026-02-01T00:00:00.000Z' };
    expect(await pagesOf(system.search(later, new AbortController().signal))).toEqual([]);
  });

  it('stops at the next page once the task is aborted, and never counts it as the full search', async () => {
    const system = new InMemoryTicketSystem('bench-a', tickets, 1);
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const page of system.search({ filterId: 'open' }, controller.signal)) {
      seen.push(...page.map((t) => t.key));
      controller.abort();
    }
    expect(seen).toEqual(['A']);
    expect(system.firstSearchDoneAt).toBeUndefined();
  });

  it('refuses an unreadable updatedSince with the value in the message', async () => {
    const system = new InMemoryTicketSystem('bench-a', tickets, 10);
    const query = { filterId: 'open', updatedSince: 'yesterday' };
    await expect(pagesOf(system.search(query, new AbortController().signal))).rejects.toThrow(
      'updatedSince yesterday is not a time',
    );
  });

  it('fetches tickets by key', async () => {
    const system = new InMemoryTicketSystem('bench-a', tickets, 10);
    expect((await system.fetch(['E', 'B', 'Z'])).map((t) => t.key)).toEqual(['B', 'E']);
  });
});
