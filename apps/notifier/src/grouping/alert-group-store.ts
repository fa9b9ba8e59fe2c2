import type { DataSource, EntityManager } from 'typeorm';
import type { Notification } from '@telcomesh/notifier-integrations';
import {
  NotificationGrouper,
  planGroupFlush,
  renderGroupNotification,
  type GroupingConfig,
} from '@telcomesh/notifier-routing';

/** A group's notification ready to be queued for its integration. */
export interface GroupDelivery {
  integration: string;
  rule: string;
  notification: Notification;
}

interface GroupRow {
  group_key: string;
  integration: string;
  labels: Record<string, string> & { rule?: string };
  notified: string[] | null;
  last_sent_at: Date | null;
}

interface MemberRow {
  identity: string;
  notification: Notification & { occurredAt: string };
  firing: boolean;
}

/** Identity of an alarm inside its group: the condition it fires, else the notification itself. */
export function memberIdentity(n: Notification): string {
  return n.labels.condition ?? n.id;
}

/**
 * Alertmanager-style groups kept in PostgreSQL, so a restart inside `group_wait` (or between two
 * `group_interval` checks) loses nothing, and replicas share groups. Members are added in the
 * intake transaction; `flushDue` plans each due group with the same rule as the in-memory
 * grouper (`planGroupFlush`) and returns what to deliver, inside the caller's transaction.
 */
export class AlertGroupStore {
  private readonly groups: string;
  private readonly members: string;

  constructor(private readonly dataSource: DataSource) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.groups = `"${schema}"."alert_groups"`;
    this.members = `"${schema}"."alert_group_members"`;
  }

  /** Adds a firing notification to (or resolves it in) its group for one integration and rule. */
  async add(
    manager: EntityManager,
    target: { integration: string; rule: string; config: GroupingConfig },
    n: Notification,
    now: number,
  ): Promise<void> {
    const { key, labels } = new NotificationGrouper(target.config).groupOf(n);
    const groupKey = JSON.stringify([target.integration, target.rule, key]);
    const identity = memberIdentity(n);
    const stored = JSON.stringify(n);
    if (n.status === 'resolved') {
      await manager.query(
        `UPDATE ${this.members} SET "firing" = false, "notification" = $3::jsonb
          WHERE "group_key" = $1 AND "identity" = $2`,
        [groupKey, identity, stored],
      );
      return;
    }
    await manager.query(
      `INSERT INTO ${this.groups} ("group_key", "integration", "labels", "next_flush_at")
       VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT ("group_key") DO NOTHING`,
      [
        groupKey,
        target.integration,
        JSON.stringify({ ...labels, rule: target.rule }),
        new Date(now + target.config.groupWaitMs),
      ],
    );
    await manager.query(
      `INSERT INTO ${this.members} ("group_key", "identity", "notification", "firing")
       VALUES ($1, $2, $3::jsonb, true)
       ON CONFLICT ("group_key", "identity") DO UPDATE SET "notification" = EXCLUDED."notification", "firing" = true`,
      [groupKey, identity, stored],
    );
  }

  /**
   * Flushes up to `limit` due groups (locked, skipped by other replicas) and returns the
   * notifications to queue. `configOf` gives the grouping now in force for a rule (undefined when
   * the rule no longer groups: the group is flushed at once).
   */
  async flushDue(
    manager: EntityManager,
    now: number,
    configOf: (rule: string) => GroupingConfig | undefined,
    limit = 100,
  ): Promise<GroupDelivery[]> {
    const due = await manager.query<GroupRow[]>(
      `SELECT * FROM ${this.groups} WHERE "next_flush_at" <= $1
        ORDER BY "next_flush_at" LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [new Date(now), limit],
    );
    const out: GroupDelivery[] = [];
    for (const group of due) {
      const rule = group.labels.rule ?? '';
      const config = configOf(rule);
      const members = await manager.query<MemberRow[]>(
        `SELECT "identity", "notification", "firing" FROM ${this.members} WHERE "group_key" = $1`,
        [group.group_key],
      );
      const timing = config ?? {
        groupBy: [],
        groupWaitMs: 0,
        groupIntervalMs: 1,
        repeatIntervalMs: 1,
      };
      const plan = planGroupFlush(
        {
          ...(group.notified ? { notified: new Set(group.notified) } : {}),
          ...(group.last_sent_at ? { lastSentAt: new Date(group.last_sent_at).getTime() } : {}),
        },
        members.map((m) => ({ id: m.identity, firing: m.firing })),
        now,
        timing,
      );
      const shown = members
        .filter((m) => plan.status === 'resolved' || m.firing)
        .map((m) => ({ ...m.notification, occurredAt: new Date(m.notification.occurredAt) }));
      if (plan.forget || !config) {
        await manager.query(`DELETE FROM ${this.groups} WHERE "group_key" = $1`, [group.group_key]);
      } else {
        await manager.query(`DELETE FROM ${this.members} WHERE "group_key" = $1 AND NOT "firing"`, [
          group.group_key,
        ]);
        await manager.query(
          `UPDATE ${this.groups} SET "next_flush_at" = $2, "notified" = $3::jsonb, "last_sent_at" = $4
            WHERE "group_key" = $1`,
          [
            group.group_key,
            new Date(plan.nextFlushAt),
            plan.notified ? JSON.stringify([...plan.notified]) : null,
            plan.lastSentAt !== undefined ? new Date(plan.lastSentAt) : null,
          ],
        );
      }
      if (!plan.status || shown.length === 0) continue;
      const groupLabels: Record<string, string> = { ...group.labels };
      delete groupLabels.rule;
      const notification = renderGroupNotification(
        { key: group.group_key, labels: groupLabels },
        shown,
        plan.status,
        now,
      );
      out.push({ integration: group.integration, rule, notification });
    }
    return out;
  }

  /** Groups currently held (a gauge). */
  async count(): Promise<number> {
    const rows = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${this.groups}`,
    );
    return rows[0]?.n ?? 0;
  }
}
