export * from './ticket';
export * from './messages';
export { ProtocolError, protocolErrorReply, type ProtocolErrorDetails } from './protocol-error';
export {
  encode,
  parseAgentMessage,
  parseServerMessage,
  type ParseOptions,
  type RawFrame,
} from './codec';
export { checkAgentTicket, ticketKeyOf, TICKET_LIMITS } from './ticket-validation';
export { computeAgentProof, createAuthNonce, verifyAgentAuth } from './agent-auth';
export { packResultChunks, RESULT_ENVELOPE_BYTES, type ResultChunkContent } from './result-chunks';
