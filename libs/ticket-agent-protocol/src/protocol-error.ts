import { PROTOCOL_VERSION, type ErrorMessage } from './messages';

export interface ProtocolErrorDetails {
  /** Path of the wrong field (`task_result.tickets[2].history[0].at`), when one is to blame. */
  field?: string;
  /** Type of the refused message, when it had a readable one. */
  refType?: string;
  /** Its task or result id, when readable. */
  refId?: string;
}

/** Why a received message was refused; `reason` is safe to log and to send back in an `error`. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';

  constructor(
    readonly reason: string,
    readonly details: ProtocolErrorDetails = {},
  ) {
    super(reason);
  }
}

/** The `error` message answering a refused message. */
export function protocolErrorReply(error: ProtocolError): ErrorMessage {
  const reply: ErrorMessage = { v: PROTOCOL_VERSION, type: 'error', reason: error.reason };
  if (error.details.refType !== undefined) reply.refType = error.details.refType;
  if (error.details.refId !== undefined) reply.refId = error.details.refId;
  return reply;
}
