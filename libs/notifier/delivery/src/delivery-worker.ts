import type { EntityManager } from 'typeorm';
import type { DeliveryOutcome, HttpSend, Integration } from '@telcomesh/notifier-integrations';
import { CircuitBreaker, type CircuitState } from './circuit-breaker';
import type { DeliveryQueue, QueuedDelivery, Settlement } from './delivery-queue';

export interface DeliveryPolicy {
  /** Attempts after the first before a delivery is dead. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a claimed delivery stays leased; a crashed worker's rows come back after it. */
  leaseMs: number;
  /** Requests in flight per integration. */
  concurrency: number;
  circuitFailureThreshold: number;
  circuitCooldownMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  maxRetries: 8,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
  leaseMs: 60_000,
  concurrency: 4,
  circuitFailureThreshold: 5,
  circuitCooldownMs: 30_000,
};

/** Optional controls a host adds around the queue. */
export interface DeliveryGate {
  /** How many of `wanted` notifications the integration may send now (rate limits); default all. */
  admit?(integration: string, wanted: number, now: number): number;
  /** Deliveries actually claimed after `admit` (the rate limiter takes its tokens here). */
  claimed?(integration: string, count: number, now: number): void;
  /** Notifications per request, capping the integration's own `maxBatchSize`. */
  maxBatchSize?(integration: string): number | undefined;
  /** How long a partial batch waits for more, when the integration does not say. */
  defaultFlushIntervalMs?: number;
  /** Runs around each request (tracing: the batch carries its events' trace context). */
  around?<T>(
    integration: string,
    batch: readonly QueuedDelivery[],
    send: () => Promise<T>,
  ): Promise<T>;
}

export interface DeliveryObserver {
  attempted?(
    integration: string,
    outcome: DeliveryOutcome['result'] | 'dead',
    count: number,
    latencyMs: number,
  ): void;
  /**
   * Inside the transaction that records a round's outcomes: the host stages its delivery-log
   * events there, so an outcome and its event are written together.
   */
  recorded?(
    manager: EntityManager,
    integration: string,
    settlements: readonly Settlement[],
  ): Promise<void>;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Drains the delivery queue: per integration, claims due deliveries (respecting concurrency and
 * the circuit breaker), sends them in batches of the integration's `maxBatchSize`, and records
 * the outcome — delivered, retried later (exponential backoff with jitter, never sooner than the
 * product's Retry-After), or dead after `maxRetries`.
 */
export class DeliveryWorker {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private timer: NodeJS.Timeout | undefined;
  private readonly draining = new Map<string, Promise<void>>();

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly integrations: () => ReadonlyMap<string, Integration>,
    private readonly http: HttpSend,
    private readonly policyOf: DeliveryPolicy | (() => DeliveryPolicy) = DEFAULT_DELIVERY_POLICY,
    private readonly clock: () => number = Date.now,
    private readonly observer: DeliveryObserver = {},
    private readonly random: () => number = Math.random,
    private readonly gate: DeliveryGate = {},
  ) {}

  /** The policy in force (a function lets the host change it at run time). */
  private get policy(): DeliveryPolicy {
    return typeof this.policyOf === 'function' ? this.policyOf() : this.policyOf;
  }

  circuitState(integration: string): CircuitState {
    return this.breaker(integration).state(this.clock());
  }

  /**
   * Polls every `pollIntervalMs`; each integration drains on its own (a slow or hanging product
   * never holds up the others) and keeps going without waiting while it finds due deliveries.
   */
  start(pollIntervalMs = 250): void {
    if (this.timer) return;
    const tick = () => {
      this.launch();
      if (this.timer) this.timer = setTimeout(tick, pollIntervalMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.draining.values());
  }

  /** Drains now instead of at the next poll (work was just queued); a no-op when stopped. */
  wake(): void {
    if (this.timer) this.launch();
  }

  private launch(): void {
    for (const [name, integration] of this.integrations()) {
      if (this.draining.has(name)) continue;
      const run = (async () => {
        try {
          while (this.timer && (await this.drain(name, integration)) > 0);
        } catch {
          // a failed claim (database blip) is retried on the next tick
        } finally {
          this.draining.delete(name);
        }
      })();
      this.draining.set(name, run);
    }
  }

  /** One pass over every integration; returns how many deliveries were attempted. */
  async runOnce(): Promise<number> {
    const attempted = await Promise.all(
      [...this.integrations()].map(([name, integration]) => this.drain(name, integration)),
    );
    return attempted.reduce((a, b) => a + b, 0);
  }

  private breaker(integration: string): CircuitBreaker {
    let breaker = this.breakers.get(integration);
    if (!breaker) {
      breaker = new CircuitBreaker(
        this.policy.circuitFailureThreshold,
        this.policy.circuitCooldownMs,
      );
      this.breakers.set(integration, breaker);
    }
    return breaker;
  }

  private async drain(name: string, integration: Integration): Promise<number> {
    const breaker = this.breaker(name);
    const cap = this.gate.maxBatchSize?.(name);
    const batchSize = Math.max(1, Math.min(integration.maxBatchSize, cap ?? Infinity));
    const slots = breaker.allowance(this.clock(), this.policy.concurrency);
    if (slots === 0) return 0;
    let wanted = slots * batchSize;
    const flushIntervalMs = integration.flushIntervalMs ?? this.gate.defaultFlushIntervalMs;
    if (batchSize > 1 && flushIntervalMs) {
      // A partial batch waits for more until its oldest notification has waited flush_interval.
      const { due, oldestAt } = await this.queue.dueSummary(name, new Date(this.clock()));
      if (due === 0) return 0;
      if (due < batchSize && oldestAt && this.clock() - oldestAt.getTime() < flushIntervalMs)
        return 0;
    }
    if (this.gate.admit) wanted = this.gate.admit(name, wanted, this.clock());
    if (wanted <= 0) return 0;
    const claimed = await this.queue.claimDue(
      name,
      wanted,
      this.policy.leaseMs,
      new Date(this.clock()),
    );
    if (claimed.length > 0) this.gate.claimed?.(name, claimed.length, this.clock());
    const batches: QueuedDelivery[][] = [];
    for (let i = 0; i < claimed.length; i += batchSize)
      batches.push(claimed.slice(i, i + batchSize));
    if (batches.length === 0 && slots === 1 && breaker.state(this.clock()) === 'half_open')
      breaker.success();
    const settlements = (
      await Promise.all(batches.map((batch) => this.send(name, integration, breaker, batch)))
    ).flat();
    // One transaction per round: every outcome and the host's events for them.
    await this.queue.settle(settlements, new Date(this.clock()), (manager) =>
      this.observer.recorded
        ? this.observer.recorded(manager, name, settlements)
        : Promise.resolve(),
    );
    return claimed.length;
  }

  /** Sends one batch and decides what becomes of each delivery in it (recorded by the caller). */
  private async send(
    name: string,
    integration: Integration,
    breaker: CircuitBreaker,
    batch: QueuedDelivery[],
  ): Promise<Settlement[]> {
    const started = this.clock();
    let outcome: DeliveryOutcome;
    const deliver = () =>
      integration.deliver(
        batch.map((d) => d.notification),
        this.http,
      );
    try {
      outcome = await (this.gate.around ? this.gate.around(name, batch, deliver) : deliver());
    } catch (error) {
      outcome = { result: 'retry', reason: describe(error) };
    }
    const now = this.clock();
    const latencyMs = now - started;
    if (outcome.result === 'delivered') {
      breaker.success();
      this.observer.attempted?.(name, 'delivered', batch.length, latencyMs);
      return batch.map((delivery) => ({
        delivery,
        outcome: 'delivered' as const,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...(outcome.reference !== undefined ? { reference: outcome.reference } : {}),
        latencyMs,
      }));
    }
    breaker.failure(now);
    return batch.map((delivery): Settlement => {
      const status = outcome.status !== undefined ? { status: outcome.status } : {};
      if (outcome.result === 'failed' || delivery.attempts > this.policy.maxRetries) {
        this.observer.attempted?.(name, 'dead', 1, latencyMs);
        return {
          delivery,
          outcome: 'dead',
          ...status,
          reason:
            outcome.result === 'failed'
              ? outcome.reason
              : `gave up after ${delivery.attempts} attempts: ${outcome.reason}`,
          latencyMs,
        };
      }
      this.observer.attempted?.(name, 'retry', 1, latencyMs);
      const delay = Math.max(outcome.retryAfterMs ?? 0, this.backoff(delivery.attempts));
      return {
        delivery,
        outcome: 'retry',
        ...status,
        reason: outcome.reason,
        nextAttemptAt: new Date(now + delay),
        latencyMs,
      };
    });
  }

  /** Full jitter over an exponential ceiling: spreads retries of a burst. */
  private backoff(attempts: number): number {
    const ceiling = Math.min(
      this.policy.maxDelayMs,
      this.policy.baseDelayMs * 2 ** Math.max(0, attempts - 1),
    );
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }
}
