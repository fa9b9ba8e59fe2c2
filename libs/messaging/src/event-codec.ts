import { decode, encode, keyOf, type TopicDefinition } from '@telcomesh/contracts';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';

/** How one topic's messages are named, typed, keyed and turned into bytes. */
export interface EventCodec<T> {
  readonly topic: string;
  readonly ceType: string;
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  keyOf(message: T): string;
}

/** The codec of a registered topic: Protobuf bytes, key from the registry's key field. */
export function topicCodec<Desc extends DescMessage>(
  topic: TopicDefinition<Desc>,
): EventCodec<MessageShape<Desc>> {
  return {
    topic: topic.name,
    ceType: topic.ceType,
    encode: (message) => encode(topic, message),
    decode: (bytes) => decode(topic, bytes),
    keyOf: (message) => keyOf(topic, message),
  };
}
