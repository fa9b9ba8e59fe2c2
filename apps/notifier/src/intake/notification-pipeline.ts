import type { EntityManager } from 'typeorm';
import type { Notification } from '@telcomesh/notifier-integrations';
import { deliveryTargets, isSilenced, routeNotification } from '@telcomesh/notifier-routing';
import type { DeliveryQueue } from '@telcomesh/notifier-delivery';
import type { ControlPlane } from '../control/control-plane';
import { groupingFor } from '../control/notifier-settings';
import type { AlertGroupStore } from '../grouping/alert-group-store';
import type { SilenceBook } from '../silences/silence-book';

/** What became of one notification. */
export type IntakeOutcome =
  | { outcome: 'queued'; deliveries: number; grouped: number }
  | { outcome: 'silenced' | 'unrouted' | 'never_fired' };

export interface PipelineCounters {
  count(outcome: IntakeOutcome['outcome'], kind: string): void;
}

/**
 * From one notification to durable work, inside the caller's transaction (the same one that
 * claims the event in the inbox, so each event is taken in exactly once):
 * silences → resolve only what was told firing → route rules → integrations that exist, are
 * enabled and accept it → a group (when the rule groups) or the delivery queue.
 */
export class NotificationPipeline {
  private readonly conditions: string;

  constructor(
    private readonly control: ControlPlane,
    private readonly queue: DeliveryQueue,
    private readonly groups: AlertGroupStore,
    private readonly silences: SilenceBook,
    schema: string,
    private readonly counters: PipelineCounters = { count: () => undefined },
    private readonly clock: () => number = Date.now,
  ) {
    this.conditions = `"${schema}"."open_conditions"`;
  }

  /**
   * `direct` integrations get the notification whatever the rules say (approval requests go to
   * the `approval_methods`); `exclude` never do (an integration is not told it is failing).
   */
  async accept(
    manager: EntityManager,
    n: Notification,
    options: { direct?: string[]; exclude?: string[]; traceparent?: string } = {},
  ): Promise<IntakeOutcome> {
    const now = this.clock();
    const result = await this.take(manager, n, options, now);
    this.counters.count(result.outcome, n.kind);
    return result;
  }

  private async take(
    manager: EntityManager,
    n: Notification,
    options: { direct?: string[]; exclude?: string[]; traceparent?: string },
    now: number,
  ): Promise<IntakeOutcome> {
    if (isSilenced(n, this.silences.active(), now)) return { outcome: 'silenced' };
    const condition = n.labels.condition;
    if (condition && !(await this.track(manager, condition, n.status, now))) {
      return { outcome: 'never_fired' };
    }
    const settings = this.control.current;
    const targets = deliveryTargets(routeNotification(n, settings.rules));
    for (const integration of options.direct ?? []) {
      if (!targets.some((t) => t.integration === integration)) {
        targets.push({ integration, urgency: 'high', rule: 'direct' });
      }
    }
    const excluded = new Set(options.exclude ?? []);
    const chosen = targets.filter(({ integration }) => {
      if (excluded.has(integration)) return false;
      const entry = this.control.entry(integration);
      // An integration that does not build yet still queues: its deliveries wait for the fix.
      if (!entry || !entry.enabled) return false;
      return entry.integration?.accepts?.(n) ?? true;
    });
    if (chosen.length === 0) return { outcome: 'unrouted' };
    let grouped = 0;
    const direct: { integration: string; rule: string }[] = [];
    for (const target of chosen) {
      const config = groupingFor(settings, target.rule);
      if (config) {
        await this.groups.add(manager, { ...target, config }, n, now);
        grouped++;
      } else direct.push(target);
    }
    const deliveries = await this.queue.enqueue(
      manager,
      direct.map(({ integration, rule }) => ({
        notification: n,
        integration,
        rule,
        ...(options.traceparent ? { traceparent: options.traceparent } : {}),
      })),
      new Date(now),
    );
    return { outcome: 'queued', deliveries, grouped };
  }

  /**
   * Remembers firing conditions; a resolve passes only when its condition was open (a connector
   * that is healthy at every sync must not send "resolved" each time).
   */
  private async track(
    manager: EntityManager,
    condition: string,
    status: Notification['status'],
    now: number,
  ): Promise<boolean> {
    if (status === 'firing') {
      await manager.query(
        `INSERT INTO ${this.conditions} ("condition", "opened_at") VALUES ($1, $2) ON CONFLICT ("condition") DO NOTHING`,
        [condition, new Date(now)],
      );
      return true;
    }
    const [, removed] = await manager.query<[unknown[], number]>(
      `DELETE FROM ${this.conditions} WHERE "condition" = $1`,
      [condition],
    );
    return removed > 0;
  }
}
