import {
  AGENT_PRE_AUTH_TYPES,
  ID_PATTERN,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  SERVER_PRE_AUTH_TYPES,
  SYSTEM_PATTERN,
  type AgentMessage,
  type AgentMessageType,
  type ErrorMessage,
  type ServerMessage,
  type ServerMessageType,
  type SkippedTicket,
  type TaskMessage,
  type TaskResultMessage,
  type TaskQuery,
} from './messages';
import { ProtocolError } from './protocol-error';
import { FieldProblem, Fields, describeValue, type StringRule } from './shape';
import { readAgentTicket } from './ticket-validation';

export interface ParseOptions {
  /**
   * Whether the server has accepted the agent's proof on this connection. Before that only the
   * handshake messages are accepted: authentication comes before anything else.
   */
  authenticated: boolean;
  /** Largest accepted message in bytes; `MAX_MESSAGE_BYTES` by default. */
  maxBytes?: number;
}

/** Raw frame as a websocket delivers it: text, or bytes holding UTF-8 text. */
export type RawFrame = string | Uint8Array;

const ID: StringRule = {
  max: 128,
  pattern: ID_PATTERN,
  patternHint: '1-128 of A-Z a-z 0-9 . _ : -',
};
const SYSTEM: StringRule = {
  max: 64,
  pattern: SYSTEM_PATTERN,
  patternHint: 'a lower-case system name such as "jira"',
};
const HEX_32_BYTES = /^[0-9a-f]{64}$/;
const REASON: StringRule = { max: 2000 };
const EPOCH_MS_MAX = Number.MAX_SAFE_INTEGER;

const AGENT_TYPES: readonly AgentMessageType[] = [
  'hello',
  'auth',
  'ping',
  'pong',
  'task_result',
  'task_failed',
  'error',
];
const SERVER_TYPES: readonly ServerMessageType[] = [
  'challenge',
  'auth_ok',
  'auth_failed',
  'ping',
  'pong',
  'task',
  'result_ack',
  'error',
];

const utf8 = new TextDecoder('utf-8', { fatal: true });

function byteLength(raw: RawFrame): number {
  return typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.byteLength;
}

/** Size, UTF-8, JSON, `v` and `type`: what both directions check the same way. */
function openEnvelope<T extends string>(
  raw: RawFrame,
  maxBytes: number,
  known: readonly T[],
  preAuth: readonly T[],
  authenticated: boolean,
  sender: string,
): { fields: Fields; type: T } {
  const size = byteLength(raw);
  if (size > maxBytes) {
    throw new ProtocolError(`message is ${size} bytes, over the ${maxBytes}-byte limit`);
  }
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : utf8.decode(raw);
  } catch {
    throw new ProtocolError('message is not valid UTF-8');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch {
    // The parser's own message quotes the input, which may hold a proof; say only what is wrong.
    throw new ProtocolError('message is not valid JSON');
  }
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) {
    throw new ProtocolError(`message must be a JSON object, got ${describeValue(decoded)}`);
  }
  const body = decoded as Record<string, unknown>;
  const type = body.type;
  const refType = typeof type === 'string' && type.length <= 64 ? type : undefined;
  const refId = readableRefId(body);
  const refuse = (field: string, problem: string) =>
    new ProtocolError(`${field}: ${problem}`, { field, refType, refId });
  if (body.v !== PROTOCOL_VERSION) {
    throw refuse(
      'v',
      body.v === undefined
        ? `is required (protocol version ${PROTOCOL_VERSION})`
        : `unsupported protocol version ${describeValue(body.v)}, this side speaks ${PROTOCOL_VERSION}`,
    );
  }
  if (typeof type !== 'string') {
    throw refuse(
      'type',
      type === undefined ? 'is required' : `expected a string, got ${describeValue(type)}`,
    );
  }
  if (!(known as readonly string[]).includes(type)) {
    throw refuse('type', `${describeValue(type)} is not a message ${sender} sends`);
  }
  if (!authenticated && !(preAuth as readonly string[]).includes(type)) {
    throw refuse(
      'type',
      `"${type}" before authentication (only ${preAuth.join(', ')} until auth_ok)`,
    );
  }
  const fields = new Fields(body, type);
  fields.accept('v'); // both checked above
  fields.accept('type');
  return { fields, type: type as T };
}

function readableRefId(body: Record<string, unknown>): string | undefined {
  for (const key of ['resultId', 'taskId']) {
    const value = body[key];
    if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
  }
  return undefined;
}

function readSkipped(value: unknown, path: string): SkippedTicket {
  const fields = new Fields(value, path);
  const skipped: SkippedTicket = {
    key: fields.nullableString('key', { max: 256 }),
    reason: fields.string('reason', REASON),
  };
  fields.done();
  return skipped;
}

function readTask(fields: Fields): TaskMessage {
  const taskId = fields.string('taskId', ID);
  const system = fields.string('system', SYSTEM);
  const deadline = fields.time('deadline');
  const kind = fields.oneOf('kind', ['search', 'fetch'] as const);
  switch (kind) {
    case 'search': {
      const q = fields.object('query');
      const query: TaskQuery = {};
      const filterId = q.optionalString('filterId', { max: 256 });
      const text = q.optionalString('query', { max: 20_000 });
      const updatedSince = q.optionalTime('updatedSince');
      q.done();
      if (filterId === undefined && text === undefined) {
        throw new FieldProblem(q.path, 'needs filterId or query (or both)');
      }
      if (filterId !== undefined) query.filterId = filterId;
      if (text !== undefined) query.query = text;
      if (updatedSince !== undefined) query.updatedSince = updatedSince;
      return { v: PROTOCOL_VERSION, type: 'task', taskId, system, deadline, kind, query };
    }
    case 'fetch': {
      const keys = fields.array('keys', { min: 1, max: 1000 }, (value, path) => {
        if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
          throw new FieldProblem(
            path,
            `expected a ticket key (1-256 chars), got ${describeValue(value)}`,
          );
        }
        return value;
      });
      return { v: PROTOCOL_VERSION, type: 'task', taskId, system, deadline, kind, keys };
    }
  }
}

function readAgentBody(fields: Fields, type: AgentMessageType): AgentMessage {
  const v = PROTOCOL_VERSION;
  switch (type) {
    case 'hello':
      return {
        v,
        type,
        agentId: fields.string('agentId', ID),
        agentVersion: fields.string('agentVersion', { max: 64 }),
        system: fields.string('system', SYSTEM),
      };
    case 'auth':
      return {
        v,
        type,
        agentId: fields.string('agentId', ID),
        proof: fields.string('proof', {
          max: 64,
          pattern: HEX_32_BYTES,
          patternHint: '64 lower-case hex chars (HMAC-SHA256)',
          secret: true,
        }),
      };
    case 'ping':
      return { v, type, sentAt: fields.integer('sentAt', 0, EPOCH_MS_MAX) };
    case 'pong':
      return {
        v,
        type,
        pingSentAt: fields.integer('pingSentAt', 0, EPOCH_MS_MAX),
        sentAt: fields.integer('sentAt', 0, EPOCH_MS_MAX),
      };
    case 'task_result': {
      const message: TaskResultMessage = {
        v,
        type,
        taskId: fields.string('taskId', ID),
        resultId: fields.string('resultId', ID),
        chunk: fields.integer('chunk', 0, 1_000_000),
        final: fields.boolean('final'),
        tickets: fields.array('tickets', { max: 100_000 }, readAgentTicket),
      };
      const skipped = fields.optionalArray('skipped', { max: 10_000 }, readSkipped);
      return skipped === undefined ? message : { ...message, skipped };
    }
    case 'task_failed':
      return {
        v,
        type,
        taskId: fields.string('taskId', ID),
        reason: fields.string('reason', REASON),
        retryable: fields.boolean('retryable'),
      };
    case 'error':
      return readError(fields);
  }
}

function readServerBody(fields: Fields, type: ServerMessageType): ServerMessage {
  const v = PROTOCOL_VERSION;
  switch (type) {
    case 'challenge':
      return {
        v,
        type,
        nonce: fields.string('nonce', {
          max: 64,
          pattern: HEX_32_BYTES,
          patternHint: '64 lower-case hex chars (32 random bytes)',
        }),
        serverTime: fields.integer('serverTime', 0, EPOCH_MS_MAX),
      };
    case 'auth_ok':
      return {
        v,
        type,
        agentId: fields.string('agentId', ID),
        sessionId: fields.string('sessionId', ID),
        heartbeatIntervalMs: fields.integer('heartbeatIntervalMs', 100, 600_000),
      };
    case 'auth_failed': {
      const reason = fields.string('reason', REASON);
      const retryAfterMs = fields.optionalInteger('retryAfterMs', 0, 86_400_000);
      return retryAfterMs === undefined ? { v, type, reason } : { v, type, reason, retryAfterMs };
    }
    case 'ping':
      return { v, type, sentAt: fields.integer('sentAt', 0, EPOCH_MS_MAX) };
    case 'pong':
      return {
        v,
        type,
        pingSentAt: fields.integer('pingSentAt', 0, EPOCH_MS_MAX),
        sentAt: fields.integer('sentAt', 0, EPOCH_MS_MAX),
      };
    case 'task':
      return readTask(fields);
    case 'result_ack':
      return { v, type, resultId: fields.string('resultId', ID) };
    case 'error':
      return readError(fields);
  }
}

function readError(fields: Fields): ErrorMessage {
  const reason = fields.string('reason', REASON);
  const refType = fields.optionalString('refType', { max: 64 });
  const refId = fields.optionalString('refId', { max: 128 });
  return {
    v: PROTOCOL_VERSION,
    type: 'error',
    reason,
    ...(refType === undefined ? {} : { refType }),
    ...(refId === undefined ? {} : { refId }),
  };
}

function parse<T extends string, M>(
  raw: RawFrame,
  options: ParseOptions,
  known: readonly T[],
  preAuth: readonly T[],
  sender: string,
  readBody: (fields: Fields, type: T) => M,
): M | ProtocolError {
  let refType: string | undefined;
  let refId: string | undefined;
  try {
    const { fields, type } = openEnvelope(
      raw,
      options.maxBytes ?? MAX_MESSAGE_BYTES,
      known,
      preAuth,
      options.authenticated,
      sender,
    );
    refType = type;
    refId = readableRefId(fields.value);
    const message = readBody(fields, type);
    fields.done();
    return message;
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    if (error instanceof FieldProblem) {
      return new ProtocolError(error.message, { field: error.field, refType, refId });
    }
    throw error;
  }
}

/** Reads a message an agent sent (server side). Never throws for bad input: returns the refusal. */
export function parseAgentMessage(
  raw: RawFrame,
  options: ParseOptions,
): AgentMessage | ProtocolError {
  return parse(raw, options, AGENT_TYPES, AGENT_PRE_AUTH_TYPES, 'an agent', readAgentBody);
}

/** Reads a message the server sent (agent side). Never throws for bad input: returns the refusal. */
export function parseServerMessage(
  raw: RawFrame,
  options: ParseOptions,
): ServerMessage | ProtocolError {
  return parse(raw, options, SERVER_TYPES, SERVER_PRE_AUTH_TYPES, 'the server', readServerBody);
}

/**
 * The JSON text of a message. Throws `ProtocolError` when it would exceed `maxBytes`: a sender
 * bug (results are chunked below the limit), caught before the peer refuses it.
 */
export function encode(
  message: AgentMessage | ServerMessage,
  maxBytes = MAX_MESSAGE_BYTES,
): string {
  const text = JSON.stringify(message);
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) {
    throw new ProtocolError(
      `${message.type} is ${size} bytes encoded, over the ${maxBytes}-byte limit`,
      {
        refType: message.type,
      },
    );
  }
  return text;
}
