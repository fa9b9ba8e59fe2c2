import type { DataSource, EntityManager } from 'typeorm';

/** An agent as the API lists it. */
export interface AgentRecord {
  id: string;
  configured: boolean;
  system: string | null;
  agentVersion: string | null;
  revoked: boolean;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokeReason: string | null;
  connected: boolean;
  replica: string | null;
  sessionId: string | null;
  remoteAddress: string | null;
  connectedAt: Date | null;
  disconnectedAt: Date | null;
  lastSeenAt: Date | null;
  lagMs: number | null;
  tasksDone: number;
  tasksFailed: number;
  results: number;
  authFailures: number;
}

interface AgentRow {
  id: string;
  configured: boolean;
  system: string | null;
  agent_version: string | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  replica: string | null;
  session_id: string | null;
  remote_address: string | null;
  connected_at: Date | null;
  disconnected_at: Date | null;
  last_seen_at: Date | null;
  lag_ms: number | null;
  tasks_done: string;
  tasks_failed: string;
  results: string;
  auth_failures: string;
  live: boolean;
}

const date = (value: Date | null) => (value === null ? null : new Date(value));

/**
 * The agents table: which agents exist, whether they are revoked, and what they are doing
 * (connection, last heartbeat, lag, task counters). Shared by replicas: the API answers the same
 * whichever replica an agent is connected to, and a revocation reaches every replica.
 * Secrets are not here; they stay in the configuration.
 */
export class AgentDirectory {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly replicaId: string,
  ) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.table = `"${schema}"."agents"`;
  }

  /** Lists the configured agents; those no longer configured stay listed (history) but flagged. */
  async registerConfigured(ids: readonly string[]): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${this.table} ("id", "configured") SELECT unnest($1::text[]), true
       ON CONFLICT ("id") DO UPDATE SET "configured" = true`,
      [ids],
    );
    await this.dataSource.query(
      `UPDATE ${this.table} SET "configured" = false WHERE NOT ("id" = ANY($1::text[])) AND "configured"`,
      [ids],
    );
  }

  async isRevoked(agentId: string): Promise<boolean> {
    const rows = await this.dataSource.query<{ revoked: boolean }[]>(
      `SELECT "revoked_at" IS NOT NULL AS "revoked" FROM ${this.table} WHERE "id" = $1`,
      [agentId],
    );
    return rows[0]?.revoked ?? false;
  }

  async revokedIds(): Promise<Set<string>> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT "id" FROM ${this.table} WHERE "revoked_at" IS NOT NULL`,
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Revokes an agent; false when there is no such agent. Revoking twice keeps the first record. */
  async revoke(agentId: string, actor: string, reason: string, now: number): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE ${this.table} SET "revoked_at" = COALESCE("revoked_at", $2), "revoked_by" = COALESCE("revoked_by", $3),
         "revoke_reason" = COALESCE("revoke_reason", $4)
       WHERE "id" = $1`,
      [agentId, new Date(now).toISOString(), actor, reason || null],
    );
    return affected > 0;
  }

  async connected(
    agentId: string,
    session: {
      sessionId: string;
      system: string;
      agentVersion: string;
      remoteAddress: string | null;
    },
    now: number,
  ): Promise<void> {
    const at = new Date(now).toISOString();
    await this.dataSource.query(
      `UPDATE ${this.table} SET "system" = $2, "agent_version" = $3, "session_id" = $4, "remote_address" = $5,
         "replica" = $6, "connected_at" = $7, "last_seen_at" = $7, "disconnected_at" = NULL, "lag_ms" = NULL
       WHERE "id" = $1`,
      [
        agentId,
        session.system,
        session.agentVersion,
        session.sessionId,
        session.remoteAddress,
        this.replicaId,
        at,
      ],
    );
  }

  /** A heartbeat: last seen now, with the round-trip lag when a pong measured one. */
  async seen(agentId: string, sessionId: string, lagMs: number | null, now: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table} SET "last_seen_at" = $3, "lag_ms" = COALESCE($4, "lag_ms")
       WHERE "id" = $1 AND "session_id" = $2`,
      [agentId, sessionId, new Date(now).toISOString(), lagMs],
    );
  }

  /** The session ended (only if it is still the agent's current one: a newer one may have replaced it). */
  async disconnected(agentId: string, sessionId: string, now: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table} SET "disconnected_at" = $3, "replica" = NULL
       WHERE "id" = $1 AND "session_id" = $2`,
      [agentId, sessionId, new Date(now).toISOString()],
    );
  }

  async countTask(agentId: string, outcome: 'done' | 'failed'): Promise<void> {
    const column = outcome === 'done' ? '"tasks_done"' : '"tasks_failed"';
    await this.dataSource.query(
      `UPDATE ${this.table} SET ${column} = ${column} + 1 WHERE "id" = $1`,
      [agentId],
    );
  }

  async countResult(manager: EntityManager, agentId: string): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET "results" = "results" + 1 WHERE "id" = $1`, [
      agentId,
    ]);
  }

  /** Counted for known agents only: unknown ids must not grow the table. */
  async countAuthFailure(agentId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.table} SET "auth_failures" = "auth_failures" + 1 WHERE "id" = $1`,
      [agentId],
    );
  }

  /**
   * Every agent. `connected` means a replica holds its session and heard from it within
   * `staleAfterMs` (a replica that died leaves no disconnect behind; silence tells).
   */
  async list(now: number, staleAfterMs: number): Promise<AgentRecord[]> {
    const rows = await this.dataSource.query<AgentRow[]>(
      `SELECT *, ("replica" IS NOT NULL AND "last_seen_at" > $1::timestamptz) AS "live"
       FROM ${this.table} ORDER BY "id"`,
      [new Date(now - staleAfterMs).toISOString()],
    );
    return rows.map((r) => ({
      id: r.id,
      configured: r.configured,
      system: r.system,
      agentVersion: r.agent_version,
      revoked: r.revoked_at !== null,
      revokedAt: date(r.revoked_at),
      revokedBy: r.revoked_by,
      revokeReason: r.revoke_reason,
      connected: r.live && r.revoked_at === null,
      replica: r.replica,
      sessionId: r.session_id,
      remoteAddress: r.remote_address,
      connectedAt: date(r.connected_at),
      disconnectedAt: date(r.disconnected_at),
      lastSeenAt: date(r.last_seen_at),
      lagMs: r.lag_ms,
      tasksDone: Number(r.tasks_done),
      tasksFailed: Number(r.tasks_failed),
      results: Number(r.results),
      authFailures: Number(r.auth_failures),
    }));
  }
}
