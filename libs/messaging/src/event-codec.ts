/** How one topic's messages are named, typed, keyed and turned into bytes. */
export interface EventCodec<T> {
  readonly topic: string;
  readonly ceType: string;
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  keyOf(message: T): string;
}

export function dlqTopicName(topic: string): string {
  return `${topic}.dlq`;
}
