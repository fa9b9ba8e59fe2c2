import { partitionFor } from '../partitioner';
import type {
  InboundRecord,
  MessageTransport,
  OutboundRecord,
  PartitionLag,
  RecordHandler,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from '../transport';

const DEFAULT_PARTITIONS = 3;

class PartitionLog {
  /** Offset of records[0]; older records were trimmed by retention. */
  base = 0;
  readonly records: InboundRecord[] = [];
  private waiters: (() => void)[] = [];

  get end(): number {
    return this.base + this.records.length;
  }

  append(record: Omit<InboundRecord, 'offset'>, maxRecords: number): void {
    this.records.push({ ...record, offset: String(this.end) });
    if (this.records.length > maxRecords) {
      const drop = this.records.length - maxRecords;
      this.records.splice(0, drop);
      this.base += drop;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Forgets records below `offset` (every group has committed past them). */
  dropBefore(offset: number): void {
    const drop = Math.min(offset - this.base, this.records.length);
    if (drop <= 0) return;
    this.records.splice(0, drop);
    this.base += drop;
  }

  at(offset: number): InboundRecord | undefined {
    return this.records[offset - this.base];
  }

  /** Resolves on the next append (or when `wakeAll` is called on shutdown). */
  waitForAppend(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wakeAll(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

interface Member {
  id: number;
  topics: string[];
  handler: RecordHandler;
  fromBeginning: boolean;
  assigned: Set<string>;
  closed: boolean;
}

interface Group {
  id: string;
  committed: Map<string, number>;
  members: Member[];
  /** Per partition, the loop currently consuming it; a new owner waits for the old one to stop. */
  running: Map<string, Promise<void>>;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export interface EmbeddedBusOptions {
  /** Records kept per partition before the oldest are dropped (a stand-in for retention). */
  maxRecordsPerPartition?: number;
  /** Pause before a failed record is handed to the handler again. */
  redeliveryDelayMs?: number;
}

/**
 * The in-process bus of embedded mode. It keeps the parts of Kafka's contract the services rely
 * on: topics with partitions, key → partition by Kafka's partitioner, per-partition order,
 * consumer groups that split partitions, offsets committed only after the handler succeeds, and
 * redelivery of a failed record. It is not durable across a process restart; the outbox is.
 */
export class EmbeddedBus implements MessageTransport {
  readonly kind = 'embedded' as const;
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Group>();
  private nextMemberId = 1;
  private closed = false;
  private readonly maxRecords: number;
  private readonly redeliveryDelayMs: number;

  constructor(options: EmbeddedBusOptions = {}) {
    this.maxRecords = options.maxRecordsPerPartition ?? 200_000;
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 50;
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const spec of specs) this.topicLog(spec.name, spec.partitions);
    return Promise.resolve();
  }

  publish(records: OutboundRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('embedded bus is closed'));
    const now = Date.now();
    for (const record of records) {
      const partitions = this.topicLog(record.topic);
      const partition = partitionFor(record.key, partitions.length);
      partitions[partition].append(
        {
          topic: record.topic,
          partition,
          key: record.key,
          value: record.value,
          headers: { ...record.headers },
          timestamp: now,
        },
        this.maxRecords,
      );
    }
    return Promise.resolve();
  }

  subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) return Promise.reject(new Error('embedded bus is closed'));
    for (const topic of options.topics) this.topicLog(topic);
    const group = this.groupOf(options.groupId);
    const member: Member = {
      id: this.nextMemberId++,
      topics: [...options.topics],
      handler: options.handler,
      fromBeginning: options.fromBeginning ?? true,
      assigned: new Set(),
      closed: false,
    };
    group.members.push(member);
    this.rebalance(group);
    return Promise.resolve({
      groupId: options.groupId,
      close: async () => {
        if (member.closed) return;
        member.closed = true;
        group.members = group.members.filter((m) => m !== member);
        const stopping = [...member.assigned].map(
          (tp) => group.running.get(tp) ?? Promise.resolve(),
        );
        member.assigned.clear();
        this.wakeGroup(group);
        await Promise.all(stopping);
        this.rebalance(group);
      },
    });
  }

  groupLag(groupId: string, topics: string[]): Promise<PartitionLag[]> {
    const group = this.groups.get(groupId);
    const lags: PartitionLag[] = [];
    for (const topic of topics) {
      const partitions = this.topics.get(topic) ?? [];
      partitions.forEach((log, partition) => {
        const committed = group?.committed.get(tpKey(topic, partition)) ?? log.base;
        lags.push({ topic, partition, lag: Math.max(0, log.end - committed) });
      });
    }
    return Promise.resolve(lags);
  }

  ping(): Promise<void> {
    return this.closed ? Promise.reject(new Error('embedded bus is closed')) : Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    const running: Promise<void>[] = [];
    for (const group of this.groups.values()) {
      for (const member of group.members) {
        member.closed = true;
        member.assigned.clear();
      }
      this.wakeGroup(group);
      running.push(...group.running.values());
    }
    await Promise.all(running);
  }

  private topicLog(name: string, partitions = DEFAULT_PARTITIONS): PartitionLog[] {
    let logs = this.topics.get(name);
    if (!logs) {
      logs = Array.from({ length: partitions }, () => new PartitionLog());
      this.topics.set(name, logs);
    }
    return logs;
  }

  private groupOf(id: string): Group {
    let group = this.groups.get(id);
    if (!group) {
      group = { id, committed: new Map(), members: [], running: new Map() };
      this.groups.set(id, group);
    }
    return group;
  }

  private wakeGroup(group: Group): void {
    const topics = new Set(group.members.flatMap((m) => m.topics));
    for (const key of group.running.keys()) topics.add(key.split('\u0000')[0]);
    for (const topic of topics) for (const log of this.topics.get(topic) ?? []) log.wakeAll();
  }

  /** Round-robin partitions over live members, like Kafka's range/round-robin assignors. */
  private rebalance(group: Group): void {
    const members = group.members.filter((m) => !m.closed).sort((a, b) => a.id - b.id);
    const wanted = new Map<Member, Set<string>>(members.map((m) => [m, new Set<string>()]));
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const subscribers = members.filter((m) => m.topics.includes(topic));
      const partitions = this.topicLog(topic);
      partitions.forEach((_log, partition) => {
        const owner = subscribers[partition % subscribers.length];
        wanted.get(owner)?.add(tpKey(topic, partition));
      });
    }
    for (const member of members) {
      const next = wanted.get(member) ?? new Set<string>();
      for (const tp of member.assigned) if (!next.has(tp)) member.assigned.delete(tp);
      for (const tp of next) {
        if (member.assigned.has(tp)) continue;
        member.assigned.add(tp);
        this.startPartitionLoop(group, member, tp);
      }
    }
    this.wakeGroup(group);
  }

  /** Like Kafka retention, but by consumption: what every known group has committed is dropped. */
  private trimConsumed(topic: string, partition: number, log: PartitionLog): void {
    let lowest = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) {
      const committed = group.committed.get(tpKey(topic, partition));
      if (committed !== undefined) lowest = Math.min(lowest, committed);
    }
    if (Number.isFinite(lowest)) log.dropBefore(lowest);
  }

  /** Records currently held for a topic (all partitions): what embedded mode costs in memory. */
  retained(topic: string): number {
    return (this.topics.get(topic) ?? []).reduce((sum, log) => sum + log.records.length, 0);
  }

  private startPartitionLoop(group: Group, member: Member, tp: string): void {
    const previous = group.running.get(tp) ?? Promise.resolve();
    const loop = previous.then(() => this.consumePartition(group, member, tp));
    group.running.set(tp, loop);
    void loop.finally(() => {
      if (group.running.get(tp) === loop) group.running.delete(tp);
    });
  }

  private async consumePartition(group: Group, member: Member, tp: string): Promise<void> {
    const [topic, partitionText] = tp.split('\u0000');
    const log = this.topicLog(topic)[Number(partitionText)];
    const owns = () => !member.closed && !this.closed && member.assigned.has(tp);
    while (owns()) {
      let offset = group.committed.get(tp);
      if (offset === undefined) {
        offset = member.fromBeginning ? log.base : log.end;
        group.committed.set(tp, offset);
      }
      offset = Math.max(offset, log.base);
      const record = log.at(offset);
      if (!record) {
        await log.waitForAppend();
        continue;
      }
      try {
        await member.handler(record);
        group.committed.set(tp, offset + 1);
        if ((offset + 1) % 1000 === 0) this.trimConsumed(topic, Number(partitionText), log);
      } catch {
        // Not committed: the same record comes back after a pause, order intact.
        await new Promise((resolve) => setTimeout(resolve, this.redeliveryDelayMs));
      }
    }
  }
}

let shared: EmbeddedBus | undefined;

/** The process-wide bus: in embedded mode every service in the process talks through it. */
export function sharedEmbeddedBus(): EmbeddedBus {
  shared ??= new EmbeddedBus();
  return shared;
}
