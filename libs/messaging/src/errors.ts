/**
 * A handler throws this when retrying cannot help (the event is invalid for this service):
 * the message goes straight to the DLQ with the reason instead of being retried.
 */
export class PoisonMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonMessageError';
  }
}
