/** Codes carried by every contract error, so callers branch on a code, not on a message. */
export const ContractErrorCodes = {
  DecodeFailed: 'CONTRACT_DECODE_FAILED',
  WrongMessageType: 'CONTRACT_WRONG_MESSAGE_TYPE',
  KeyMissing: 'CONTRACT_KEY_MISSING',
  InvalidEnvelope: 'CONTRACT_INVALID_ENVELOPE',
  InvalidTopicDefinition: 'CONTRACT_INVALID_TOPIC_DEFINITION',
} as const;

export type ContractErrorCode = (typeof ContractErrorCodes)[keyof typeof ContractErrorCodes];

/** Base class of every error thrown by `@telcomesh/contracts`; `topic` names the topic involved. */
export class ContractError extends Error {
  constructor(
    readonly code: ContractErrorCode,
    readonly topic: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ContractError';
  }
}

/**
 * The bytes of a record are not a valid message of its topic's schema. Never retry it:
 * send the record to `<topic>.dlq` with reason `DECODE_FAILED`.
 */
export class ContractDecodeError extends ContractError {
  constructor(topic: string, typeName: string, cause: unknown) {
    super(
      ContractErrorCodes.DecodeFailed,
      topic,
      `cannot decode a record of topic "${topic}" as ${typeName}: ${describe(cause)}`,
      { cause },
    );
    this.name = 'ContractDecodeError';
  }
}

/** A message of another type was given for a topic (only possible by bypassing the types). */
export class ContractTypeError extends ContractError {
  constructor(topic: string, expected: string, actual: string) {
    super(
      ContractErrorCodes.WrongMessageType,
      topic,
      `topic "${topic}" carries ${expected}, got ${actual || 'a value that is not a message'}`,
    );
    this.name = 'ContractTypeError';
  }
}

/** The key field of a message is empty: publishing it would break per-entity ordering. */
export class ContractKeyError extends ContractError {
  constructor(topic: string, keyField: string) {
    super(
      ContractErrorCodes.KeyMissing,
      topic,
      `message for topic "${topic}" has an empty key field "${keyField}"`,
    );
    this.name = 'ContractKeyError';
  }
}

/** Envelope headers of a record are missing or invalid. Never retry: dead-letter it. */
export class ContractEnvelopeError extends ContractError {
  constructor(
    topic: string,
    readonly problems: readonly string[],
  ) {
    super(
      ContractErrorCodes.InvalidEnvelope,
      topic,
      `invalid envelope on topic "${topic}": ${problems.join('; ')}`,
    );
    this.name = 'ContractEnvelopeError';
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
