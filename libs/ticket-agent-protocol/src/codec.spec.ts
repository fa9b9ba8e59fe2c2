import {
  encode,
  MAX_MESSAGE_BYTES,
  parseAgentMessage,
  parseServerMessage,
  ProtocolError,
  protocolErrorReply,
  type AgentMessage,
  type AgentTicket,
  type ServerMessage,
} from './index';

const ticket: AgentTicket = {
  key: 'NOC-1234',
  system: 'jira',
  externalId: '10001',
  title: 'BTS 4411 down',
  status: 'In Progress',
  priority: 'P1',
  category: 'RAN',
  customer: null,
  assignmentGroup: 'RAN field team',
  assignee: 'ivanov',
  createdAt: '2024-05-01T09:30:00Z',
  updatedAt: '2024-05-01T10:00:00.123+03:00',
  resolvedAt: null,
  url: 'https://jira.example.test/browse/NOC-1234',
  history: [
    { at: '2024-05-01T09:31:00Z', field: 'status', from: 'Open', to: 'In Progress' },
    { at: '2024-05-01T09:32:00Z', field: 'assignment_group', from: null, to: 'RAN field team' },
  ],
};

const agentSamples: AgentMessage[] = [
  { v: 1, type: 'hello', agentId: 'agent-msk-1', agentVersion: '0.1.0', system: 'jira' },
  { v: 1, type: 'auth', agentId: 'agent-msk-1', proof: 'ab'.repeat(32) },
  { v: 1, type: 'ping', sentAt: 1_714_555_800_000 },
  { v: 1, type: 'pong', pingSentAt: 1_714_555_800_000, sentAt: 1_714_555_800_020 },
  {
    v: 1,
    type: 'task_result',
    taskId: 't-1',
    resultId: 'r-1',
    chunk: 0,
    final: true,
    tickets: [ticket],
    skipped: [{ key: 'NOC-9', reason: 'ticket.createdAt: expected an ISO-8601 time' }],
  },
  { v: 1, type: 'task_failed', taskId: 't-1', reason: 'Jira answered 503', retryable: true },
  { v: 1, type: 'error', reason: 'unknown task', refType: 'result_ack', refId: 'r-9' },
];

const serverSamples: ServerMessage[] = [
  { v: 1, type: 'challenge', nonce: '0f'.repeat(32), serverTime: 1_714_555_800_000 },
  {
    v: 1,
    type: 'auth_ok',
    agentId: 'agent-msk-1',
    sessionId: 's-42',
    heartbeatIntervalMs: 15_000,
  },
  { v: 1, type: 'auth_failed', reason: 'unknown agent or wrong proof', retryAfterMs: 60_000 },
  { v: 1, type: 'ping', sentAt: 1 },
  { v: 1, type: 'pong', pingSentAt: 1, sentAt: 2 },
  {
    v: 1,
    type: 'task',
    taskId: 't-1',
    system: 'jira',
    kind: 'search',
    query: { filterId: '10400', query: 'project = NOC', updatedSince: '2024-05-01T00:00:00Z' },
    deadline: '2024-05-01T09:35:00Z',
  },
  {
    v: 1,
    type: 'task',
    taskId: 't-2',
    system: 'servicenow',
    kind: 'fetch',
    keys: ['INC0010001', 'INC0010002'],
    deadline: '2024-05-01T09:35:00Z',
  },
  { v: 1, type: 'result_ack', resultId: 'r-1' },
  { v: 1, type: 'error', reason: 'task_result.tickets[0].key: must not be empty' },
];

/** Fields whose absence is legal. */
const OPTIONAL = new Set(['skipped', 'retryAfterMs', 'refType', 'refId']);

type Parse = (raw: string) => unknown;
const asAgent: Parse = (raw) => parseAgentMessage(raw, { authenticated: true });
const asServer: Parse = (raw) => parseServerMessage(raw, { authenticated: true });

function refusal(result: unknown): ProtocolError {
  if (!(result instanceof ProtocolError)) {
    throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  }
  return result;
}

/** A value of the wrong kind for whatever the field holds. */
function wrongKindFor(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return { not: 'this' };
  }
  return 'not this';
}

describe.each([
  ['agent', agentSamples, asAgent],
  ['server', serverSamples, asServer],
] as const)('messages %s sends', (_side, samples, parse) => {
  describe.each(samples.map((m) => [`${m.type}${'kind' in m ? `/${m.kind}` : ''}`, m] as const))(
    '%s',
    (_name, sample) => {
      it('round-trips through encode and parse', () => {
        expect(parse(encode(sample))).toEqual(sample);
      });

      it('round-trips from bytes as well as text', () => {
        const bytes = new TextEncoder().encode(encode(sample));
        const parsed =
          parse === asAgent
            ? parseAgentMessage(bytes, { authenticated: true })
            : parseServerMessage(bytes, { authenticated: true });
        expect(parsed).toEqual(sample);
      });

      const fields = Object.keys(sample).filter((k) => k !== 'v' && k !== 'type');

      it.each(fields)('is refused without %s, naming it (unless optional)', (key) => {
        const broken: Record<string, unknown> = { ...sample };
        delete broken[key];
        const result = parse(JSON.stringify(broken));
        if (OPTIONAL.has(key)) {
          expect(result).not.toBeInstanceOf(ProtocolError);
          return;
        }
        const error = refusal(result);
        expect(error.details.field).toBe(`${sample.type}.${key}`);
        expect(error.reason).toBe(`${sample.type}.${key}: is required`);
        expect(error.details.refType).toBe(sample.type);
      });

      it.each(fields)('is refused when %s has the wrong kind of value', (key) => {
        const broken: Record<string, unknown> = { ...sample };
        broken[key] = wrongKindFor(broken[key]);
        const error = refusal(parse(JSON.stringify(broken)));
        expect(error.details.field).toBe(`${sample.type}.${key}`);
        expect(error.reason).toMatch(new RegExp(`^${sample.type}\\.${key}: (expected|must)`));
      });

      it('is refused with an unknown field, naming it', () => {
        const error = refusal(parse(JSON.stringify({ ...sample, colour: 'red' })));
        expect(error.reason).toBe(`${sample.type}.colour: is not a known field`);
      });

      it('is refused with another protocol version', () => {
        const error = refusal(parse(JSON.stringify({ ...sample, v: 2 })));
        expect(error.details.field).toBe('v');
        expect(error.reason).toContain('unsupported protocol version 2');
      });

      it('is refused without a version', () => {
        const broken: Record<string, unknown> = { ...sample };
        delete broken.v;
        expect(refusal(parse(JSON.stringify(broken))).reason).toBe(
          'v: is required (protocol version 1)',
        );
      });

      it('is refused over the size limit', () => {
        const raw = encode(sample);
        const error = refusal(
          parse === asAgent
            ? parseAgentMessage(raw, { authenticated: true, maxBytes: raw.length - 1 })
            : parseServerMessage(raw, { authenticated: true, maxBytes: raw.length - 1 }),
        );
        expect(error.reason).toBe(
          `message is ${raw.length} bytes, over the ${raw.length - 1}-byte limit`,
        );
      });
    },
  );
});

describe('envelope', () => {
  it('refuses text that is not JSON without quoting it', () => {
    const error = refusal(asAgent('{"v":1,"type":"auth","proof":"deadbeef'));
    expect(error.reason).toBe('message is not valid JSON');
  });

  it('refuses JSON that is not an object', () => {
    expect(refusal(asAgent('[1,2]')).reason).toBe('message must be a JSON object, got an array');
    expect(refusal(asServer('"hi"')).reason).toBe('message must be a JSON object, got "hi"');
  });

  it('refuses bytes that are not UTF-8', () => {
    const error = refusal(
      parseAgentMessage(Uint8Array.of(0x7b, 0xff, 0x7d), { authenticated: true }),
    );
    expect(error.reason).toBe('message is not valid UTF-8');
  });

  it('refuses a missing, non-string or unknown type', () => {
    expect(refusal(asAgent('{"v":1}')).reason).toBe('type: is required');
    expect(refusal(asAgent('{"v":1,"type":7}')).reason).toBe('type: expected a string, got 7');
    expect(refusal(asAgent('{"v":1,"type":"gossip"}')).reason).toBe(
      'type: "gossip" is not a message an agent sends',
    );
  });

  it('refuses a message of the other direction', () => {
    expect(refusal(asAgent(encode(serverSamples[5]))).reason).toBe(
      'type: "task" is not a message an agent sends',
    );
    expect(refusal(asServer(encode(agentSamples[4]))).reason).toBe(
      'type: "task_result" is not a message the server sends',
    );
  });

  it('accepts only the handshake before authentication', () => {
    const early = { authenticated: false } as const;
    const result = parseAgentMessage(encode(agentSamples[4]), early);
    const error = refusal(result);
    expect(error.reason).toBe(
      'type: "task_result" before authentication (only hello, auth, error until auth_ok)',
    );
    expect(error.details.refId).toBe('r-1');
    expect(parseAgentMessage(encode(agentSamples[0]), early)).toEqual(agentSamples[0]);
    expect(parseAgentMessage(encode(agentSamples[1]), early)).toEqual(agentSamples[1]);
    expect(refusal(parseServerMessage(encode(serverSamples[5]), early)).reason).toContain(
      '"task" before authentication',
    );
    expect(parseServerMessage(encode(serverSamples[0]), early)).toEqual(serverSamples[0]);
  });

  it('uses MAX_MESSAGE_BYTES by default', () => {
    const big = encode({ v: 1, type: 'error', reason: 'x' }).replace(
      '"x"',
      `"${'x'.repeat(MAX_MESSAGE_BYTES)}"`,
    );
    expect(refusal(asAgent(big)).reason).toContain('-byte limit');
  });
});

describe('field rules', () => {
  const taskResult = agentSamples[4];
  const search = serverSamples[5];

  it('names the nested ticket field and what is wrong with it', () => {
    const bad = structuredClone(taskResult) as unknown as { tickets: Record<string, unknown>[] };
    (bad.tickets[0].history as Record<string, unknown>[])[1].at = 'yesterday';
    const error = refusal(asAgent(JSON.stringify(bad)));
    expect(error.details.field).toBe('task_result.tickets[0].history[1].at');
    expect(error.reason).toBe(
      'task_result.tickets[0].history[1].at: expected an ISO-8601 time with offset (2024-05-01T09:30:00Z), got "yesterday"',
    );
    expect(error.details.refId).toBe('r-1');
  });

  it('refuses a time without an offset and impossible ones', () => {
    const leap = { ...search, deadline: '2024-02-29T09:30:00+03:00' };
    expect(asServer(JSON.stringify(leap))).toEqual(leap);
    for (const at of ['2024-05-01T09:30:00', '2024-13-01T09:30:00Z', '2023-02-29T09:30:00Z']) {
      const bad = structuredClone(search) as unknown as Record<string, unknown>;
      bad.deadline = at;
      expect(refusal(asServer(JSON.stringify(bad))).details.field).toBe('task.deadline');
    }
  });

  it('refuses a transition of a field it does not track', () => {
    const bad = structuredClone(taskResult) as unknown as {
      tickets: { history: { field: string }[] }[];
    };
    bad.tickets[0].history[0].field = 'priority';
    expect(refusal(asAgent(JSON.stringify(bad))).reason).toBe(
      'task_result.tickets[0].history[0].field: expected one of "status", "assignment_group", got "priority"',
    );
  });

  it('wants nullable ticket fields present (null when unknown)', () => {
    const bad = structuredClone(taskResult) as unknown as { tickets: Record<string, unknown>[] };
    delete bad.tickets[0].customer;
    expect(refusal(asAgent(JSON.stringify(bad))).reason).toBe(
      'task_result.tickets[0].customer: is required (null if unknown)',
    );
  });

  it('refuses empty and malformed ids', () => {
    const empty = { ...taskResult, resultId: '' };
    expect(refusal(asAgent(JSON.stringify(empty))).reason).toBe(
      'task_result.resultId: must not be empty',
    );
    const spaced = { ...taskResult, taskId: 'a b' };
    expect(refusal(asAgent(JSON.stringify(spaced))).reason).toContain(
      'task_result.taskId: must be 1-128 of',
    );
  });

  it('refuses a negative chunk and an out-of-range heartbeat', () => {
    expect(refusal(asAgent(JSON.stringify({ ...taskResult, chunk: -1 }))).reason).toBe(
      'task_result.chunk: must be between 0 and 1000000, got -1',
    );
    expect(
      refusal(asServer(JSON.stringify({ ...serverSamples[1], heartbeatIntervalMs: 5 }))).reason,
    ).toBe('auth_ok.heartbeatIntervalMs: must be between 100 and 600000, got 5');
    expect(refusal(asAgent(JSON.stringify({ v: 1, type: 'ping', sentAt: 1.5 }))).reason).toBe(
      'ping.sentAt: expected an integer, got 1.5',
    );
  });

  it('wants a search to name a filter or a query', () => {
    const bad = { ...search, query: { updatedSince: '2024-05-01T00:00:00Z' } };
    expect(refusal(asServer(JSON.stringify(bad))).reason).toBe(
      'task.query: needs filterId or query (or both)',
    );
    expect(
      refusal(asServer(JSON.stringify({ ...search, query: { filterId: '1', jql: 'x' } }))).reason,
    ).toBe('task.query.jql: is not a known field');
  });

  it('refuses a fetch without keys, and keys on a search', () => {
    const fetch = serverSamples[6];
    expect(refusal(asServer(JSON.stringify({ ...fetch, keys: [] }))).reason).toBe(
      'task.keys: needs at least 1 item(s)',
    );
    expect(refusal(asServer(JSON.stringify({ ...fetch, keys: ['A-1', ''] }))).reason).toBe(
      'task.keys[1]: expected a ticket key (1-256 chars), got ""',
    );
    expect(refusal(asServer(JSON.stringify({ ...search, keys: ['A-1'] }))).reason).toBe(
      'task.keys: is not a known field',
    );
    expect(refusal(asServer(JSON.stringify({ ...search, kind: 'delete' }))).reason).toBe(
      'task.kind: expected one of "search", "fetch", got "delete"',
    );
  });

  it('never echoes a malformed proof', () => {
    const proof = 'Secret-Looking-Proof-Value';
    const error = refusal(asAgent(JSON.stringify({ ...agentSamples[1], proof })));
    expect(error.reason).toBe('auth.proof: must be 64 lower-case hex chars (HMAC-SHA256)');
    expect(error.reason).not.toContain(proof);
  });

  it('shortens long values it echoes', () => {
    const error = refusal(asServer(JSON.stringify({ ...search, system: 'X'.repeat(60) })));
    expect(error.reason).toContain('(60 chars)');
    expect(error.reason).not.toContain('X'.repeat(41));
  });
});

describe('encode', () => {
  it('refuses to produce a message over the limit', () => {
    expect(() => encode(agentSamples[4], 100)).toThrow(ProtocolError);
    expect(() => encode(agentSamples[4], 100)).toThrow(
      /task_result is \d+ bytes encoded, over the 100-byte limit/,
    );
  });

  it('turns a refusal into an error reply that refers to the message', () => {
    const error = refusal(asAgent(JSON.stringify({ ...agentSamples[5], retryable: 'yes' })));
    const reply = protocolErrorReply(error);
    expect(reply).toEqual({
      v: 1,
      type: 'error',
      reason: 'task_failed.retryable: expected true or false, got "yes"',
      refType: 'task_failed',
      refId: 't-1',
    });
    expect(asServer(encode(reply))).toEqual(reply);
  });
});
