import {
  checkAgentTicket,
  encode,
  packResultChunks,
  parseAgentMessage,
  ProtocolError,
  ticketKeyOf,
  type AgentTicket,
  type TaskResultMessage,
} from './index';

function ticket(n: number, titleChars = 50): AgentTicket {
  return {
    key: `NOC-${n}`,
    system: 'jira',
    externalId: String(10_000 + n),
    title: 't'.repeat(titleChars),
    status: 'Open',
    priority: null,
    category: null,
    customer: null,
    assignmentGroup: null,
    assignee: null,
    createdAt: '2024-05-01T09:30:00Z',
    updatedAt: '2024-05-01T09:30:00Z',
    resolvedAt: null,
    url: null,
    history: [],
  };
}

function wrap(
  chunk: number,
  content: ReturnType<typeof packResultChunks>[number],
): TaskResultMessage {
  return {
    v: 1,
    type: 'task_result',
    taskId: 'T'.repeat(128),
    resultId: 'R'.repeat(128),
    chunk,
    final: false,
    tickets: content.tickets,
    skipped: content.skipped,
  };
}

describe('packResultChunks', () => {
  it('splits tickets into chunks that each fit the limit once wrapped, keeping order', () => {
    const tickets = Array.from({ length: 300 }, (_, i) => ticket(i, 200));
    const maxBytes = 16 * 1024;
    const chunks = packResultChunks(tickets, [], maxBytes);
    expect(chunks.length).toBeGreaterThan(3);
    chunks.forEach((content, i) => {
      const raw = encode(wrap(i, content), maxBytes);
      expect(parseAgentMessage(raw, { authenticated: true, maxBytes })).not.toBeInstanceOf(
        ProtocolError,
      );
    });
    expect(chunks.flatMap((c) => c.tickets.map((t) => t.key))).toEqual(tickets.map((t) => t.key));
  });

  it('keeps everything in one chunk when it fits', () => {
    const chunks = packResultChunks([ticket(1), ticket(2)], [{ key: 'X-1', reason: 'bad' }]);
    expect(chunks).toEqual([
      { tickets: [ticket(1), ticket(2)], skipped: [{ key: 'X-1', reason: 'bad' }] },
    ]);
  });

  it('turns a ticket too large for any message into a skipped note and sends the rest', () => {
    const huge = ticket(2, 20_000);
    const chunks = packResultChunks([ticket(1), huge, ticket(3)], [], 8 * 1024);
    expect(chunks.flatMap((c) => c.tickets.map((t) => t.key))).toEqual(['NOC-1', 'NOC-3']);
    const notes = chunks.flatMap((c) => c.skipped);
    expect(notes).toHaveLength(1);
    expect(notes[0].key).toBe('NOC-2');
    expect(notes[0].reason).toMatch(
      /^ticket is \d+ bytes encoded, over the 7168-byte room of one message$/,
    );
  });

  it('returns no chunk for nothing', () => {
    expect(packResultChunks([], [])).toEqual([]);
  });
});

describe('checkAgentTicket', () => {
  it('accepts a valid ticket and refuses a broken one naming the field', () => {
    expect(checkAgentTicket(ticket(1))).toEqual(ticket(1));
    const broken = { ...ticket(1), createdAt: 1714555800000 };
    const error = checkAgentTicket(broken);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).reason).toBe(
      'ticket.createdAt: expected a string, got 1714555800000',
    );
    expect(ticketKeyOf(broken)).toBe('NOC-1');
    expect(ticketKeyOf({ key: 42 })).toBeNull();
    expect(ticketKeyOf('NOC-1')).toBeNull();
  });
});
