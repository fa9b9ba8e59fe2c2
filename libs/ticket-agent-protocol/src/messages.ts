import type { AgentTicket } from './ticket';

/** The one version this code speaks; a message with another `v` is refused. */
export const PROTOCOL_VERSION = 1;
export type ProtocolVersion = typeof PROTOCOL_VERSION;

/** Largest encoded message (UTF-8 bytes) either side accepts; results above it are split into chunks. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Agent ids (the seed's TOKEN), task ids and result ids: printable, no spaces, at most 128 chars. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Ticket systems a task may name (an agent serves exactly one). */
export const SYSTEM_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

interface Envelope<T extends string> {
  v: ProtocolVersion;
  type: T;
}

// ---- agent → server ---------------------------------------------------------------------------

/** First message on a connection: who the agent claims to be (proved by `auth`). */
export interface HelloMessage extends Envelope<'hello'> {
  agentId: string;
  /** Build of the agent, for the server's inventory. */
  agentVersion: string;
  /** Ticket system the agent reads: "jira", "servicenow", "rest". */
  system: string;
}

/** Answer to `challenge`: HMAC-SHA256 proof of the shared secret, hex (see `computeAgentProof`). */
export interface AuthMessage extends Envelope<'auth'> {
  agentId: string;
  proof: string;
}

/** One chunk of a task's tickets. The server acks each chunk by `resultId` and deduplicates on it. */
export interface TaskResultMessage extends Envelope<'task_result'> {
  taskId: string;
  /** Unique per chunk; re-sent unchanged until acked. */
  resultId: string;
  /** 0, 1, 2… within the task. */
  chunk: number;
  /** True on the task's last chunk. */
  final: boolean;
  tickets: AgentTicket[];
  /** Tickets the agent could not send (invalid from the adapter, or too large for one message). */
  skipped?: SkippedTicket[];
}

export interface SkippedTicket {
  /** The ticket's key when it had a readable one. */
  key: string | null;
  reason: string;
}

export interface TaskFailedMessage extends Envelope<'task_failed'> {
  taskId: string;
  reason: string;
  /** False when sending the same task again cannot help (wrong system, bad query). */
  retryable: boolean;
}

// ---- server → agent ---------------------------------------------------------------------------

export interface ChallengeMessage extends Envelope<'challenge'> {
  /** 32 random bytes, lowercase hex; single-use, bound to this connection. */
  nonce: string;
  /** Server clock (epoch ms) when sent; the agent uses it to read task deadlines in server time. */
  serverTime: number;
}

export interface AuthOkMessage extends Envelope<'auth_ok'> {
  agentId: string;
  sessionId: string;
  /** How often each side pings; silence for a few intervals marks the connection dead. */
  heartbeatIntervalMs: number;
}

/** The server closes the connection after sending it. */
export interface AuthFailedMessage extends Envelope<'auth_failed'> {
  /** Deliberately vague for unknown agent vs wrong proof; says when an agent is revoked. */
  reason: string;
  /** Least wait before trying again. */
  retryAfterMs?: number;
}

/** What a `search` task asks for: a saved filter (the seed's FILTER_ARREARS / FILTER_STOPPED), a native query, or both. */
export interface TaskQuery {
  filterId?: string;
  /** JQL, a ServiceNow encoded query… in the ticket system's own language. */
  query?: string;
  /** Only tickets updated at or after this ISO-8601 time. */
  updatedSince?: string;
}

interface TaskBase extends Envelope<'task'> {
  taskId: string;
  system: string;
  /** ISO-8601 time in server time; the agent abandons the task then. */
  deadline: string;
}

export interface SearchTaskMessage extends TaskBase {
  kind: 'search';
  query: TaskQuery;
}

export interface FetchTaskMessage extends TaskBase {
  kind: 'fetch';
  keys: string[];
}

export type TaskMessage = SearchTaskMessage | FetchTaskMessage;

export interface ResultAckMessage extends Envelope<'result_ack'> {
  resultId: string;
}

// ---- both directions --------------------------------------------------------------------------

export interface PingMessage extends Envelope<'ping'> {
  /** Sender's clock, epoch ms. */
  sentAt: number;
}

export interface PongMessage extends Envelope<'pong'> {
  /** `sentAt` of the ping answered: the pinger's round-trip lag is `now - pingSentAt`. */
  pingSentAt: number;
  sentAt: number;
}

/** A refused message: why, and which message (its type and task/result id when readable). */
export interface ErrorMessage extends Envelope<'error'> {
  reason: string;
  refType?: string;
  refId?: string;
}

export type AgentMessage =
  | HelloMessage
  | AuthMessage
  | PingMessage
  | PongMessage
  | TaskResultMessage
  | TaskFailedMessage
  | ErrorMessage;

export type ServerMessage =
  | ChallengeMessage
  | AuthOkMessage
  | AuthFailedMessage
  | PingMessage
  | PongMessage
  | TaskMessage
  | ResultAckMessage
  | ErrorMessage;

export type AgentMessageType = AgentMessage['type'];
export type ServerMessageType = ServerMessage['type'];

/** What each side may send before the server has accepted the agent's proof. */
export const AGENT_PRE_AUTH_TYPES: readonly AgentMessageType[] = ['hello', 'auth', 'error'];
export const SERVER_PRE_AUTH_TYPES: readonly ServerMessageType[] = [
  'challenge',
  'auth_ok',
  'auth_failed',
  'error',
];
