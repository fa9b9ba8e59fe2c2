import type { MessageInitShape } from '@bufbuild/protobuf';
import { Counter, Gauge, Histogram } from 'prom-client';
import { create, DeliveryStatus, Topics, timestampFromDate } from '@telcomesh/contracts';
import type { EventOutbox } from '@telcomesh/messaging';
import {
  fetchHttpSend,
  type DeliveryOutcome,
  type HttpSend,
  type IntegrationHealth,
  type Notification,
} from '@telcomesh/notifier-integrations';
import { TokenBucketLimiter } from '@telcomesh/notifier-routing';
import type { EntityManager } from 'typeorm';
import {
  DeliveryWorker,
  type CircuitState,
  type DeliveryQueue,
  type Settlement,
} from '@telcomesh/notifier-delivery';
import {
  extractTraceContext,
  injectTraceHeaders,
  inSpan,
  SpanKind,
} from '@telcomesh/observability';
import type { ServiceRuntime } from '@telcomesh/platform';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import type { ChangeApprovals } from '../approvals/change-approvals';
import { scrub, type ControlPlane } from '../control/control-plane';
import type { AlertGroupStore } from '../grouping/alert-group-store';
import type { NotificationPipeline } from '../intake/notification-pipeline';

/** Recent outcomes of one integration, for its health answer. */
interface Recent {
  outcomes: boolean[];
  latencies: number[];
}
const RECENT = 200;

export interface IntegrationStats {
  circuit: CircuitState;
  backlog: number;
  recentAttempts: number;
  successRate: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs delivery for the notifier: the queue worker (per-integration concurrency, batching, rate
 * limits, circuit breakers, retries), the flush of due alert groups, the expiry of approval
 * requests, and the integration-health events. Publishes each outcome on notify.deliveries.v1.
 */
export class NotificationDispatcher {
  readonly worker: DeliveryWorker;
  private limiter = new TokenBucketLimiter({});
  private readonly recent = new Map<string, Recent>();
  private readonly circuits = new Map<string, CircuitState>();
  private backlog: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;
  private housekeeping: Promise<void> | undefined;
  private readonly metrics: {
    attempts: Counter<'integration' | 'outcome'>;
    duration: Histogram<'integration'>;
    backlog: Gauge<'integration'>;
    circuitOpen: Gauge<'integration'>;
  };

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly control: ControlPlane,
    private readonly queue: DeliveryQueue,
    private readonly groups: AlertGroupStore,
    private readonly pipeline: NotificationPipeline,
    private readonly approvals: ChangeApprovals,
    private readonly events: EventOutbox,
    timeoutMs: number,
  ) {
    const registers = [runtime.metrics.registry];
    this.metrics = {
      attempts: new Counter({
        name: 'notifier_delivery_attempts_total',
        help: 'Delivery attempts per integration and outcome (delivered, retry, dead)',
        labelNames: ['integration', 'outcome'],
        registers,
      }),
      duration: new Histogram({
        name: 'notifier_delivery_duration_seconds',
        help: 'Time of one request to an integration',
        labelNames: ['integration'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
      backlog: new Gauge({
        name: 'notifier_delivery_backlog',
        help: 'Deliveries waiting (pending or in flight) per integration',
        labelNames: ['integration'],
        registers,
      }),
      circuitOpen: new Gauge({
        name: 'notifier_integration_circuit_open',
        help: '1 while the integration circuit breaker is open',
        labelNames: ['integration'],
        registers,
      }),
    };
    const send = fetchHttpSend({ timeoutMs });
    // Each request carries the trace context of the span around it (the event's trace).
    const http: HttpSend = (request) => {
      const headers = { ...request.headers };
      injectTraceHeaders(headers);
      return send({ ...request, headers });
    };
    control.onReload(() => {
      this.limiter = new TokenBucketLimiter(this.control.current.rateLimits);
    });
    this.worker = new DeliveryWorker(
      queue,
      () => control.live(),
      http,
      () => control.current.batching.policy,
      Date.now,
      {
        attempted: (integration, outcome, count, latencyMs) => {
          this.metrics.attempts.inc({ integration, outcome }, count);
          if (outcome !== 'retry' && outcome !== 'dead') {
            this.metrics.duration.observe({ integration }, latencyMs / 1000);
          }
          this.remember(integration, outcome === 'delivered', latencyMs, count);
        },
        recorded: (manager, integration, settlements) =>
          this.publish(manager, integration, settlements),
      },
      Math.random,
      {
        // Tokens are taken for what was claimed, not for what was asked: an empty poll costs none.
        admit: (integration, wanted, now) =>
          Math.min(wanted, this.limiter.available(integration, now)),
        claimed: (integration, count, now) => void this.limiter.take(integration, now, count),
        maxBatchSize: () => control.current.batching.batchSize,
        get defaultFlushIntervalMs() {
          return control.current.batching.batchTimeoutMs;
        },
        around: (integration, batch, deliver) =>
          inSpan(
            `deliver ${integration}`,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                'notifier.integration': integration,
                'notifier.batch_size': batch.length,
                'messaging.message.id': batch[0]?.notification.id ?? '',
              },
              ...(batch[0]?.traceparent
                ? { parent: extractTraceContext({ traceparent: batch[0].traceparent }) }
                : {}),
            },
            deliver,
          ),
      },
    );
  }

  start(pollIntervalMs: number): void {
    this.worker.start(pollIntervalMs);
    const tick = () => {
      this.housekeeping = this.tidy()
        .catch((error: unknown) => this.runtime.logger.warn({ err: error }, 'housekeeping failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, Math.max(250, pollIntervalMs));
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([this.worker.stop(), this.housekeeping]);
  }

  /** One housekeeping pass: due groups → queue, expired approvals, circuit events, backlog gauge. */
  async tidy(now = Date.now()): Promise<void> {
    for (;;) {
      const flushed = await this.events.transaction(async (m) => {
        const due = await this.groups.flushDue(
          m,
          now,
          (rule) =>
            this.control.current.grouping.get(rule) ?? this.control.current.grouping.get('*'),
        );
        await this.queue.enqueue(
          m,
          due.map((d) => ({
            notification: d.notification,
            integration: d.integration,
            rule: d.rule,
          })),
          new Date(now),
        );
        return due.length;
      });
      if (flushed < 100) break;
    }
    await this.approvals.expireDue();
    await this.watchCircuits();
    this.backlog = await this.queue.backlog();
    this.metrics.backlog.reset();
    for (const [integration, n] of Object.entries(this.backlog)) {
      this.metrics.backlog.set({ integration }, n);
    }
  }

  async stats(name: string): Promise<IntegrationStats> {
    const recent = this.recent.get(name) ?? { outcomes: [], latencies: [] };
    const ok = recent.outcomes.filter(Boolean).length;
    return {
      circuit: this.worker.circuitState(name),
      backlog: (await this.queue.backlog())[name] ?? 0,
      recentAttempts: recent.outcomes.length,
      successRate: recent.outcomes.length ? ok / recent.outcomes.length : null,
      latencyP50Ms: percentile(recent.latencies, 50),
      latencyP99Ms: percentile(recent.latencies, 99),
    };
  }

  /** The product's own cheap authenticated check (no message sent where the product allows). */
  async checkHealth(name: string): Promise<IntegrationHealth> {
    const entry = this.control.entry(name);
    if (!entry) throw new DomainError(ErrorCode.NotFound, `integration ${name} does not exist`);
    if (!entry.integration) {
      return { healthy: false, detail: entry.error ?? 'not built', latencyMs: 0 };
    }
    const health = await entry.integration.checkHealth(fetchHttpSend({ timeoutMs: 10_000 }));
    return { ...health, detail: scrub(health.detail, entry.secrets) };
  }

  /** Sends one test notification now, bypassing queue and rules, and says what the product answered. */
  async testSend(name: string, actor: string): Promise<DeliveryOutcome> {
    const entry = this.control.entry(name);
    if (!entry) throw new DomainError(ErrorCode.NotFound, `integration ${name} does not exist`);
    if (!entry.integration) {
      return { result: 'failed', reason: entry.error ?? 'integration is not built' };
    }
    const notification: Notification = {
      id: `test-${name}-${Date.now()}`,
      kind: 'test',
      subject: `notifier.test.${name}`,
      title: `TelcoMesh test notification for ${name}`,
      summary: `Sent by ${actor} to check the ${entry.type} integration. No action needed.`,
      severity: 'info',
      status: 'firing',
      fields: [
        { name: 'Integration', value: name },
        { name: 'Requested By', value: actor },
      ],
      labels: { test: 'true' },
      occurredAt: new Date(),
      count: 1,
    };
    const outcome = await entry.integration.deliver(
      [notification],
      fetchHttpSend({ timeoutMs: 10_000 }),
    );
    return outcome.result === 'delivered'
      ? outcome
      : { ...outcome, reason: scrub(outcome.reason, entry.secrets) };
  }

  private remember(integration: string, ok: boolean, latencyMs: number, count: number): void {
    let recent = this.recent.get(integration);
    if (!recent) {
      recent = { outcomes: [], latencies: [] };
      this.recent.set(integration, recent);
    }
    for (let i = 0; i < count; i++) recent.outcomes.push(ok);
    if (ok) recent.latencies.push(latencyMs);
    recent.outcomes.splice(0, Math.max(0, recent.outcomes.length - RECENT));
    recent.latencies.splice(0, Math.max(0, recent.latencies.length - RECENT));
  }

  /** An integration whose circuit opens raises its own event (told to every other integration). */
  private async watchCircuits(): Promise<void> {
    for (const entry of this.control.entries()) {
      const state = this.worker.circuitState(entry.name);
      const before = this.circuits.get(entry.name) ?? 'closed';
      this.circuits.set(entry.name, state);
      this.metrics.circuitOpen.set({ integration: entry.name }, state === 'open' ? 1 : 0);
      const opened = state === 'open' && before !== 'open';
      const recovered = state === 'closed' && before !== 'closed';
      if (!opened && !recovered) continue;
      const stats = await this.stats(entry.name);
      const notification: Notification = {
        id: `integration-${entry.name}-${opened ? 'failing' : 'recovered'}-${Date.now()}`,
        kind: 'integration_health',
        subject: `notifier.integration.${entry.name}`,
        title: opened
          ? `Integration ${entry.name} keeps failing`
          : `Integration ${entry.name} recovered`,
        summary: opened
          ? `Deliveries to ${entry.name} (${entry.type}) keep failing; its circuit is open and ${stats.backlog} deliveries wait.`
          : `Deliveries to ${entry.name} (${entry.type}) succeed again.`,
        severity: opened ? 'major' : 'info',
        status: opened ? 'firing' : 'resolved',
        fields: [
          { name: 'Integration', value: entry.name },
          { name: 'Type', value: entry.type },
          { name: 'Backlog', value: String(stats.backlog) },
          {
            name: 'Success Rate',
            value: stats.successRate === null ? 'n/a' : `${Math.round(stats.successRate * 100)}%`,
          },
        ],
        labels: { condition: `integration:${entry.name}`, integration: entry.name },
        occurredAt: new Date(),
        count: 1,
      };
      await this.events.transaction((m) =>
        this.pipeline.accept(m, notification, { exclude: [entry.name] }),
      );
    }
  }

  /** notify.deliveries.v1, staged in the transaction that records the outcomes. */
  private async publish(
    manager: EntityManager,
    integration: string,
    settlements: readonly Settlement[],
  ): Promise<void> {
    const entry = this.control.entry(integration);
    const now = new Date();
    for (const s of settlements) {
      const d = s.delivery;
      const message: MessageInitShape<typeof Topics.NotifyDeliveries.schema> = {
        deliveryId: d.key,
        tenantId: d.notification.tenant ?? '',
        eventId: d.notification.id,
        eventType: d.notification.kind,
        integration,
        integrationType: entry?.type ?? '',
        target: integration,
        status:
          s.outcome === 'delivered'
            ? DeliveryStatus.DELIVERED
            : s.outcome === 'dead'
              ? DeliveryStatus.FAILED
              : DeliveryStatus.RETRYING,
        attempts: d.attempts,
        httpStatus: s.status ?? 0,
        error: s.reason ? scrub(s.reason, entry?.secrets ?? []).slice(0, 1000) : '',
        latencyMs: Math.round(s.latencyMs),
        ...(s.outcome === 'delivered' ? { deliveredAt: timestampFromDate(now) } : {}),
        ...(s.nextAttemptAt ? { nextAttemptAt: timestampFromDate(s.nextAttemptAt) } : {}),
      };
      await this.events.stage(
        manager,
        Topics.NotifyDeliveries,
        create(Topics.NotifyDeliveries, message),
        {
          ...(d.notification.tenant ? { tenant: d.notification.tenant } : {}),
        },
      );
    }
  }

  /** Looks for due work now (intake just committed some) instead of at the next poll. */
  wake(): void {
    this.worker.wake();
  }
}
