import type { DataSource } from 'typeorm';
import { silenceState, type Matcher, type Silence } from '@telcomesh/notifier-routing';

interface SilenceRow {
  id: string;
  matchers: Matcher[];
  starts_at: Date;
  ends_at: Date;
  created_by: string;
  comment: string;
}

function toSilence(row: SilenceRow): Silence {
  return {
    id: row.id,
    matchers: row.matchers,
    startsAt: new Date(row.starts_at),
    endsAt: new Date(row.ends_at),
    createdBy: row.created_by,
    comment: row.comment,
  };
}

/**
 * Silences and maintenance windows, in PostgreSQL, held in memory for the intake path (checked
 * for every notification) and re-read after each change and every few seconds (other replicas).
 */
export class SilenceBook {
  private silences: Silence[] = [];
  private readonly table: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly dataSource: DataSource) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.table = `"${schema}"."silences"`;
  }

  /** Silences not yet expired (pending ones included: `isSilenced` checks their window). */
  active(): readonly Silence[] {
    return this.silences;
  }

  async load(now = new Date()): Promise<void> {
    const rows = await this.dataSource.query<SilenceRow[]>(
      `SELECT * FROM ${this.table} WHERE "ends_at" > $1`,
      [now],
    );
    this.silences = rows.map(toSilence);
  }

  watch(intervalMs = 2_000): void {
    const tick = () => {
      this.load()
        .catch(() => undefined) // kept the last good list; retried next tick
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  async list(state?: 'pending' | 'active' | 'expired', now = new Date()): Promise<Silence[]> {
    const rows = await this.dataSource.query<SilenceRow[]>(
      `SELECT * FROM ${this.table} ORDER BY "starts_at" DESC LIMIT 1000`,
    );
    return rows.map(toSilence).filter((s) => !state || silenceState(s, now) === state);
  }

  async get(id: string): Promise<Silence | undefined> {
    const rows = await this.dataSource.query<SilenceRow[]>(
      `SELECT * FROM ${this.table} WHERE "id" = $1`,
      [id],
    );
    return rows[0] ? toSilence(rows[0]) : undefined;
  }

  /** Creates or replaces a silence (configuration-as-code re-applies by id). */
  async put(silence: Silence): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} ("id", "matchers", "starts_at", "ends_at", "created_by", "comment")
       VALUES ($1, $2::jsonb, $3, $4, $5, $6)
       ON CONFLICT ("id") DO UPDATE SET "matchers" = EXCLUDED."matchers", "starts_at" = EXCLUDED."starts_at",
         "ends_at" = EXCLUDED."ends_at", "created_by" = EXCLUDED."created_by", "comment" = EXCLUDED."comment"`,
      [
        silence.id,
        JSON.stringify(
          silence.matchers.map(({ name, operator, value }) => ({ name, operator, value })),
        ),
        silence.startsAt,
        silence.endsAt,
        silence.createdBy,
        silence.comment,
      ],
    );
    await this.load();
  }

  /** Ends a silence now (kept for the record, as Alertmanager does); false when unknown or over. */
  async expire(id: string, now = new Date()): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE ${this.table} SET "ends_at" = $2 WHERE "id" = $1 AND "ends_at" > $2`,
      [id, now],
    );
    await this.load();
    return affected > 0;
  }
}
