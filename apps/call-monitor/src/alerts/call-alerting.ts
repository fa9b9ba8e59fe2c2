import { Topics, ceSourceOf, encode, keyOf, type CallAlert } from '@telcomesh/contracts';
import { envelopeHeaders } from '@telcomesh/messaging';
import type { ServiceRuntime } from '@telcomesh/platform';
import type { EntityManager } from 'typeorm';
import type { CallMonitorConfig } from '../call-monitor.config';
import type { CallRecord } from '../history/call-record-store';
import type { LiveView } from '../live/live-view';
import { CallAlertRules, type ContactCentreFacts } from './call-alert-rules';
import type { QueueAlertPolicy } from './queue-alert-policy.dto';

/** The policy row that holds the global defaults rather than one queue's override. */
export const DEFAULT_POLICY_ID = '*';

export interface StoredPolicy {
  queueId: string;
  policy: QueueAlertPolicy;
  updatedBy: string;
  updatedAt: Date;
}

const EMPTY_STATE = { version: 1, alerts: [], windows: [] };

/** Rule state is saved this often even without transitions (`for` timers, call windows). */
const SAVE_EVERY_MS = 15_000;

/**
 * Runs the alert rules for the sources this replica holds: evaluates them on an interval
 * against the live view, publishes each FIRING/RESOLVED through the outbox together with the
 * rules' state, and hands a source's state to the next holder on fail-over (saved on release,
 * restored on adoption), so an alert is neither fired twice nor forgotten when a source moves.
 */
export class CallAlerting {
  readonly rules: CallAlertRules;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private lastSave = 0;
  private readonly policyTable: string;
  private readonly stateTable: string;
  published = 0;

  constructor(
    private readonly runtime: ServiceRuntime<CallMonitorConfig>,
    private readonly view: LiveView,
    private readonly options: { tenantId: string },
  ) {
    const logger = runtime.logger;
    this.rules = new CallAlertRules({
      logger: { warn: (message, context) => logger.warn(context ?? {}, message) },
    });
    const schema = (runtime.dataSource.options as { schema: string }).schema;
    this.policyTable = `"${schema}"."alert_policies"`;
    this.stateTable = `"${schema}"."alert_state"`;
  }

  start(): void {
    this.running = this.loadPolicies().catch((error: unknown) =>
      this.runtime.logger.error(
        { err: error },
        'alert policies could not be loaded; defaults apply',
      ),
    );
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.tick());
    }, this.runtime.config.CALL_MONITOR_ALERT_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Feeds finished calls into the windowed rules (service level, abandonment). */
  recordFinished(records: CallRecord[]): void {
    for (const r of records) {
      if (!r.queueId || (r.disposition !== 'answered' && r.disposition !== 'abandoned')) continue;
      try {
        this.rules.recordFinishedCall(
          r.queueId,
          r.disposition,
          r.waitSeconds,
          r.endedAt,
          r.sourceId,
        );
      } catch (error) {
        this.runtime.logger.warn({ err: error, callId: r.callId }, 'finished call not counted');
      }
    }
  }

  /** This replica now holds `sourceId`: continue its alerts where the last holder left them. */
  async adopt(sourceId: string): Promise<void> {
    const rows = await this.runtime.dataSource.query<{ state: unknown }[]>(
      `SELECT "state" FROM ${this.stateTable} WHERE "source_id" = $1`,
      [sourceId],
    );
    if (rows[0]) {
      try {
        this.rules.restore(rows[0].state, sourceId);
      } catch (error) {
        this.runtime.logger.warn(
          { err: error, sourceId },
          'saved alert state unusable; starting fresh',
        );
      }
    }
  }

  /** This replica lets `sourceId` go: save its state for the next holder and forget it here. */
  async release(sourceId: string): Promise<void> {
    await this.running;
    await this.runtime.dataSource.transaction((m) => this.saveState(m, [sourceId]));
    this.rules.restore(EMPTY_STATE, sourceId);
  }

  /** Evaluates once now (the interval calls this; tests call it with a controlled clock). */
  async tick(): Promise<void> {
    const now = this.view.clock.now();
    let alerts: CallAlert[];
    try {
      alerts = this.rules.evaluate(now, this.facts(now));
    } catch (error) {
      this.runtime.logger.error({ err: error }, 'alert evaluation failed');
      return;
    }
    const due = now.getTime() - this.lastSave >= SAVE_EVERY_MS;
    if (alerts.length === 0 && !due) return;
    const sources = this.view.statuses().map((s) => s.sourceId);
    try {
      await this.runtime.dataSource.transaction(async (manager) => {
        await this.runtime.outbox.enqueue(
          manager,
          alerts.map((a) => this.recordOf(a)),
        );
        await this.saveState(manager, sources);
      });
      this.runtime.outbox.notifyCommitted();
      this.lastSave = now.getTime();
      this.published += alerts.length;
    } catch (error) {
      // The transitions are already applied in memory; restore the last saved state so they are
      // reported again on the next tick instead of being lost.
      this.runtime.logger.error(
        { err: error, alerts: alerts.length },
        'alerts not published; retrying',
      );
      for (const sourceId of sources) await this.adopt(sourceId).catch(() => undefined);
    }
  }

  active(): CallAlert[] {
    return this.rules.active();
  }

  async policies(): Promise<StoredPolicy[]> {
    const rows = await this.runtime.dataSource.query<
      { queue_id: string; policy: QueueAlertPolicy; updated_by: string; updated_at: Date }[]
    >(
      `SELECT "queue_id", "policy", "updated_by", "updated_at" FROM ${this.policyTable} ORDER BY "queue_id"`,
    );
    return rows.map((r) => ({
      queueId: r.queue_id,
      policy: r.policy,
      updatedBy: r.updated_by,
      updatedAt: new Date(r.updated_at),
    }));
  }

  /** Validates and applies a policy, then stores it (`*` = the defaults). */
  async putPolicy(queueId: string, policy: unknown, actor: string): Promise<void> {
    if (queueId === DEFAULT_POLICY_ID) this.rules.setDefaults(policy);
    else this.rules.setQueuePolicy(queueId, policy);
    await this.runtime.dataSource.query(
      `INSERT INTO ${this.policyTable} ("queue_id", "policy", "updated_by") VALUES ($1, $2, $3)
       ON CONFLICT ("queue_id") DO UPDATE SET "policy" = EXCLUDED."policy",
         "updated_by" = EXCLUDED."updated_by", "updated_at" = now()`,
      [queueId, JSON.stringify(policy), actor],
    );
  }

  async deletePolicy(queueId: string): Promise<boolean> {
    const [, count] = await this.runtime.dataSource.query<[unknown, number]>(
      `DELETE FROM ${this.policyTable} WHERE "queue_id" = $1`,
      [queueId],
    );
    if (queueId === DEFAULT_POLICY_ID) this.rules.setDefaults({});
    else this.rules.removeQueuePolicy(queueId);
    return count > 0;
  }

  private async loadPolicies(): Promise<void> {
    for (const stored of await this.policies()) {
      try {
        if (stored.queueId === DEFAULT_POLICY_ID) this.rules.setDefaults(stored.policy);
        else this.rules.setQueuePolicy(stored.queueId, stored.policy);
      } catch (error) {
        this.runtime.logger.error(
          { err: error, queueId: stored.queueId },
          'stored alert policy refused',
        );
      }
    }
  }

  private facts(now: Date): ContactCentreFacts {
    const tenantId = this.options.tenantId || undefined;
    const queues = this.view.queues().map((q) => ({
      queueId: q.queueId,
      sourceId: q.sourceId,
      tenantId,
      queueName: q.name,
      waitingCalls: q.waiting,
      longestWaitSeconds: q.oldestQueuedAt
        ? Math.max(0, (now.getTime() - q.oldestQueuedAt.getTime()) / 1000)
        : 0,
      agentsLoggedIn: q.agentsLoggedIn,
      agentsAvailable: q.agentsAvailable,
    }));
    const agents = this.view.agents().map((a) => ({
      agentId: a.agentId,
      sourceId: a.sourceId,
      tenantId,
      login: a.login,
      name: a.name,
      state: a.state,
      stateSince: a.stateSince,
      queues: a.queues,
      profile: a.profile,
    }));
    return { queues, agents };
  }

  private async saveState(manager: EntityManager, sources: string[]): Promise<void> {
    for (const sourceId of sources) {
      await manager.query(
        `INSERT INTO ${this.stateTable} ("source_id", "state") VALUES ($1, $2)
         ON CONFLICT ("source_id") DO UPDATE SET "state" = EXCLUDED."state", "saved_at" = now()`,
        [sourceId, JSON.stringify(this.rules.exportState(sourceId))],
      );
    }
  }

  private recordOf(alert: CallAlert) {
    return {
      topic: Topics.CallAlerts.name,
      key: keyOf(Topics.CallAlerts, alert),
      value: encode(Topics.CallAlerts, alert),
      headers: envelopeHeaders(Topics.CallAlerts, {
        source: ceSourceOf('call-monitor'),
        tenant: alert.tenantId || undefined,
      }),
    };
  }
}
