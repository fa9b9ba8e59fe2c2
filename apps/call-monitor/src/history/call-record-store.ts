import type { DataSource, EntityManager } from 'typeorm';
import { holdSecondsOf, type LiveCall, talkSecondsOf, waitSecondsOf } from '../live/live-board';
import type {
  CallDirection,
  CallDisposition,
  CallTransfer,
} from '../sources/contact-centre-source';

/** One finished call as kept in the history. */
export interface CallRecord {
  sourceId: string;
  callId: string;
  direction: CallDirection;
  localNumber: string | null;
  remoteNumber: string | null;
  remoteNumberRaw: string | null;
  remoteName: string | null;
  queueId: string | null;
  agentId: string | null;
  startedAt: Date;
  queuedAt: Date | null;
  answeredAt: Date | null;
  endedAt: Date;
  waitSeconds: number;
  talkSeconds: number;
  holdSeconds: number;
  transferCount: number;
  transfers: CallTransfer[];
  missedBy: string[];
  disposition: CallDisposition;
  endCause: string | null;
}

/** The record of an ended live call. */
export function callRecordOf(call: LiveCall): CallRecord {
  const endedAt = call.endedAt ?? new Date();
  return {
    sourceId: call.sourceId,
    callId: call.callId,
    direction: call.direction,
    localNumber: call.localNumber ?? null,
    remoteNumber: call.remoteNumber ?? null,
    remoteNumberRaw: call.remoteNumberRaw ?? null,
    remoteName: call.remoteName ?? null,
    queueId: call.queueId ?? null,
    agentId: call.agentId ?? null,
    startedAt: call.startedAt,
    queuedAt: call.queuedAt ?? null,
    answeredAt: call.answeredAt ?? null,
    endedAt,
    waitSeconds: round3(waitSecondsOf(call, endedAt)),
    talkSeconds: round3(talkSecondsOf(call, endedAt)),
    holdSeconds: round3(holdSecondsOf(call, endedAt)),
    transferCount: call.transfers.length,
    transfers: call.transfers,
    missedBy: call.missedBy ?? [],
    disposition: call.disposition ?? 'unknown',
    endCause: call.endCause ?? null,
  };
}

export interface CallRecordQuery {
  from: Date;
  to: Date;
  sourceId?: string;
  queueId?: string;
  agentId?: string;
  disposition?: CallDisposition;
  /** Keyset cursor: records started after this (startedAt, callId). */
  after?: { startedAt: Date; sourceId: string; callId: string };
  limit: number;
}

/** Bucket widths the trends accept, as PostgreSQL intervals. */
export const TREND_INTERVALS = {
  '1m': '1 minute',
  '5m': '5 minutes',
  '15m': '15 minutes',
  '30m': '30 minutes',
  '1h': '1 hour',
  '1d': '1 day',
  '1w': '7 days',
} as const;

export type TrendInterval = keyof typeof TREND_INTERVALS;

const INTERVAL_MS: Record<TrendInterval, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
  '1w': 604_800_000,
};

/** A trend query may not ask for more buckets per key than this. */
export const MAX_TREND_BUCKETS = 10_000;

export interface TrendQuery {
  from: Date;
  to: Date;
  interval: TrendInterval;
  /** One series per queue, per agent, or one for everything. */
  groupBy: 'queue' | 'agent' | 'none';
  sourceId?: string;
  queueId?: string;
  agentId?: string;
  /** "Answered within T seconds" for the service level. */
  serviceLevelSeconds: number;
  /** Abandons quicker than this are not counted against the service level (misdials). */
  shortAbandonSeconds: number;
}

/**
 * One bucket of one series. Definitions (the usual contact-centre ones):
 * - ASA: mean wait of answered calls; AHT: mean answer-to-hang-up time (holds included);
 * - abandonment rate: abandoned / (answered + abandoned), short abandons excluded;
 * - service level: answered within T / (answered + abandoned), short abandons excluded.
 */
export interface TrendPoint {
  bucket: Date;
  key: string | null;
  calls: number;
  answered: number;
  abandoned: number;
  noAnswer: number;
  asaSeconds: number | null;
  ahtSeconds: number | null;
  holdSeconds: number | null;
  abandonmentRate: number | null;
  serviceLevel: number | null;
  transfers: number;
}

export class TrendRangeError extends Error {}

const COLUMNS = `"source_id", "call_id", "direction", "local_number", "remote_number",
  "remote_number_raw", "remote_name", "queue_id", "agent_id", "started_at", "queued_at",
  "answered_at", "ended_at", "wait_seconds", "talk_seconds", "hold_seconds", "transfer_count",
  "transfers", "missed_by", "disposition", "end_cause"`;

const PARAMS_PER_ROW = 21;

interface RecordRow {
  source_id: string;
  call_id: string;
  direction: CallDirection;
  local_number: string | null;
  remote_number: string | null;
  remote_number_raw: string | null;
  remote_name: string | null;
  queue_id: string | null;
  agent_id: string | null;
  started_at: Date;
  queued_at: Date | null;
  answered_at: Date | null;
  ended_at: Date;
  wait_seconds: number;
  talk_seconds: number;
  hold_seconds: number;
  transfer_count: number;
  transfers: CallTransfer[];
  missed_by: string[];
  disposition: CallDisposition;
  end_cause: string | null;
}

/** Call history in the call monitor's schema, and the trends computed from it. */
export class CallRecordStore {
  private readonly table: string;

  constructor(private readonly dataSource: DataSource) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.table = `"${schema}"."call_records"`;
  }

  /**
   * Inserts records not already there; returns the ones inserted (the others were recorded by
   * an earlier report of the same call and must not be announced again).
   */
  async insertNew(manager: EntityManager, records: CallRecord[]): Promise<CallRecord[]> {
    if (records.length === 0) return [];
    const unique = new Map(records.map((r) => [`${r.sourceId}\u0000${r.callId}`, r]));
    const rows: string[] = [];
    const values: unknown[] = [];
    let i = 0;
    for (const r of unique.values()) {
      const p = i++ * PARAMS_PER_ROW;
      rows.push(
        `(${Array.from({ length: PARAMS_PER_ROW }, (_, k) => `$${p + k + 1}`).join(', ')})`,
      );
      values.push(
        r.sourceId,
        r.callId,
        r.direction,
        r.localNumber,
        r.remoteNumber,
        r.remoteNumberRaw,
        r.remoteName,
        r.queueId,
        r.agentId,
        r.startedAt,
        r.queuedAt,
        r.answeredAt,
        r.endedAt,
        r.waitSeconds,
        r.talkSeconds,
        r.holdSeconds,
        r.transferCount,
        JSON.stringify(r.transfers),
        r.missedBy,
        r.disposition,
        r.endCause,
      );
    }
    const inserted = await manager.query<{ source_id: string; call_id: string }[]>(
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES ${rows.join(', ')}
       ON CONFLICT ("source_id", "call_id") DO NOTHING RETURNING "source_id", "call_id"`,
      values,
    );
    const keys = new Set(inserted.map((r) => `${r.source_id}\u0000${r.call_id}`));
    return [...unique.entries()].filter(([k]) => keys.has(k)).map(([, r]) => r);
  }

  async find(query: CallRecordQuery): Promise<CallRecord[]> {
    const where = ['"started_at" >= $1', '"started_at" < $2'];
    const values: unknown[] = [query.from, query.to];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (query.sourceId !== undefined) add('"source_id" = ?', query.sourceId);
    if (query.queueId !== undefined) add('"queue_id" = ?', query.queueId);
    if (query.agentId !== undefined) add('"agent_id" = ?', query.agentId);
    if (query.disposition !== undefined) add('"disposition" = ?', query.disposition);
    if (query.after) {
      values.push(query.after.startedAt, query.after.sourceId, query.after.callId);
      const n = values.length;
      where.push(`("started_at", "source_id", "call_id") > ($${n - 2}, $${n - 1}, $${n})`);
    }
    values.push(query.limit);
    const rows = await this.dataSource.query<RecordRow[]>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE ${where.join(' AND ')}
       ORDER BY "started_at", "source_id", "call_id" LIMIT $${values.length}`,
      values,
    );
    return rows.map(recordOfRow);
  }

  /** Every record of a range, in pages, for exports of any size. */
  async *scan(query: Omit<CallRecordQuery, 'limit' | 'after'>, pageSize = 2000) {
    let after: CallRecordQuery['after'];
    for (;;) {
      const page = await this.find({ ...query, after, limit: pageSize });
      if (page.length > 0) yield page;
      if (page.length < pageSize) return;
      const last = page[page.length - 1];
      after = { startedAt: last.startedAt, sourceId: last.sourceId, callId: last.callId };
    }
  }

  async trends(query: TrendQuery): Promise<TrendPoint[]> {
    const span = query.to.getTime() - query.from.getTime();
    if (span <= 0) throw new TrendRangeError('"to" must be after "from"');
    const buckets = Math.ceil(span / INTERVAL_MS[query.interval]);
    if (buckets > MAX_TREND_BUCKETS) {
      throw new TrendRangeError(
        `${buckets} buckets of ${query.interval} in this range; at most ${MAX_TREND_BUCKETS}: widen "interval" or narrow the range`,
      );
    }
    const values: unknown[] = [
      TREND_INTERVALS[query.interval],
      query.from,
      query.to,
      query.serviceLevelSeconds,
      query.shortAbandonSeconds,
    ];
    const where = ['"started_at" >= $2', '"started_at" < $3'];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (query.sourceId !== undefined) add('"source_id" = ?', query.sourceId);
    if (query.queueId !== undefined) add('"queue_id" = ?', query.queueId);
    if (query.agentId !== undefined) add('"agent_id" = ?', query.agentId);
    const key =
      query.groupBy === 'queue' ? '"queue_id"' : query.groupBy === 'agent' ? '"agent_id"' : 'NULL';
    const counted = `("disposition" = 'answered' OR ("disposition" = 'abandoned' AND "wait_seconds" >= $5))`;
    const rows = await this.dataSource.query<
      {
        bucket: Date;
        key: string | null;
        calls: number;
        answered: number;
        abandoned: number;
        abandoned_counted: number;
        no_answer: number;
        within: number;
        counted: number;
        asa: number | null;
        aht: number | null;
        hold: number | null;
        transfers: number;
      }[]
    >(
      `SELECT date_bin($1::interval, "started_at", $2::timestamptz) AS "bucket",
              ${key} AS "key",
              count(*)::int AS "calls",
              count(*) FILTER (WHERE "disposition" = 'answered')::int AS "answered",
              count(*) FILTER (WHERE "disposition" = 'abandoned')::int AS "abandoned",
              count(*) FILTER (WHERE "disposition" = 'abandoned' AND "wait_seconds" >= $5)::int AS "abandoned_counted",
              count(*) FILTER (WHERE "disposition" = 'no_answer')::int AS "no_answer",
              count(*) FILTER (WHERE "disposition" = 'answered' AND "wait_seconds" <= $4)::int AS "within",
              count(*) FILTER (WHERE ${counted})::int AS "counted",
              avg("wait_seconds") FILTER (WHERE "disposition" = 'answered') AS "asa",
              avg("talk_seconds") FILTER (WHERE "disposition" = 'answered') AS "aht",
              avg("hold_seconds") FILTER (WHERE "disposition" = 'answered') AS "hold",
              coalesce(sum("transfer_count"), 0)::int AS "transfers"
         FROM ${this.table}
        WHERE ${where.join(' AND ')}
        GROUP BY 1, 2
        ORDER BY 1, 2 NULLS FIRST`,
      values,
    );
    return rows.map((r) => ({
      bucket: new Date(r.bucket),
      key: r.key,
      calls: r.calls,
      answered: r.answered,
      abandoned: r.abandoned,
      noAnswer: r.no_answer,
      asaSeconds: numberOrNull(r.asa),
      ahtSeconds: numberOrNull(r.aht),
      holdSeconds: numberOrNull(r.hold),
      abandonmentRate: r.counted > 0 ? r.abandoned_counted / r.counted : null,
      serviceLevel: r.counted > 0 ? r.within / r.counted : null,
      transfers: r.transfers,
    }));
  }
}

function recordOfRow(r: RecordRow): CallRecord {
  return {
    sourceId: r.source_id,
    callId: r.call_id,
    direction: r.direction,
    localNumber: r.local_number,
    remoteNumber: r.remote_number,
    remoteNumberRaw: r.remote_number_raw,
    remoteName: r.remote_name,
    queueId: r.queue_id,
    agentId: r.agent_id,
    startedAt: new Date(r.started_at),
    queuedAt: r.queued_at ? new Date(r.queued_at) : null,
    answeredAt: r.answered_at ? new Date(r.answered_at) : null,
    endedAt: new Date(r.ended_at),
    waitSeconds: Number(r.wait_seconds),
    talkSeconds: Number(r.talk_seconds),
    holdSeconds: Number(r.hold_seconds),
    transferCount: r.transfer_count,
    transfers: r.transfers,
    missedBy: r.missed_by,
    disposition: r.disposition,
    endCause: r.end_cause,
  };
}

function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Math.round(Number(value) * 1000) / 1000;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
