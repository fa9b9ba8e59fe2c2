/** Header values on the wire are bytes; the platform only ever writes UTF-8 strings. */
export type MessageHeaders = Record<string, string>;

export interface OutboundRecord {
  topic: string;
  key: string;
  value: Uint8Array;
  headers: MessageHeaders;
}

export interface InboundRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: Uint8Array;
  headers: MessageHeaders;
  /** Broker (or bus) append time, ms since epoch. */
  timestamp: number;
}

export type RecordHandler = (record: InboundRecord) => Promise<void>;

export interface SubscribeOptions {
  /** Consumer group: members share partitions; each record is handled by one member. */
  groupId: string;
  topics: string[];
  handler: RecordHandler;
  /** Where a group with no committed offset starts; default earliest, so nothing published before start-up is lost. */
  fromBeginning?: boolean;
}

export interface Subscription {
  readonly groupId: string;
  /** Stops fetching, lets the in-flight handler finish, commits, leaves the group. */
  close(): Promise<void>;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  retentionMs?: number;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/**
 * The one messaging port services use. Contract (checked by the shared transport contract suite
 * against every adapter):
 * - records with the same key land in the same partition and are handled in publish order;
 * - a handler that throws gets the same record again (nothing after it in that partition is
 *   handled first); its offset is committed only after the handler resolves;
 * - members of one group split the partitions; separate groups each see every record;
 * - `publish` resolves only when the bus has durably accepted every record.
 */
export interface MessageTransport {
  readonly kind: 'kafka' | 'embedded';
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  publish(records: OutboundRecord[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Lag of a group on its topics; used for metrics and autoscaling. */
  groupLag(groupId: string, topics: string[]): Promise<PartitionLag[]>;
  /** Throws when the bus is unreachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
