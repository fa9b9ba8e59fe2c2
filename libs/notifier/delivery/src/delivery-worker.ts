import type { DeliveryOutcome, HttpSend, Integration } from '@telcomesh/notifier-integrations';
import { CircuitBreaker, type CircuitState } from './circuit-breaker';
import type { DeliveryQueue, QueuedDelivery } from './delivery-queue';

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

export interface DeliveryObserver {
  attempted?(
    integration: string,
    outcome: DeliveryOutcome['result'] | 'dead',
    count: number,
    latencyMs: number,
  ): void;
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
  private running: Promise<void> | undefined;

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly integrations: () => ReadonlyMap<string, Integration>,
    private readonly http: HttpSend,
    private readonly policy: DeliveryPolicy = DEFAULT_DELIVERY_POLICY,
    private readonly clock: () => number = Date.now,
    private readonly observer: DeliveryObserver = {},
    private readonly random: () => number = Math.random,
  ) {}

  circuitState(integration: string): CircuitState {
    return this.breaker(integration).state(this.clock());
  }

  start(pollIntervalMs = 250): void {
    if (this.timer) return;
    const tick = () => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch(() => undefined) // a failed poll (database blip) is retried on the next tick
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, pollIntervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
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
    const batchSize = Math.max(1, integration.maxBatchSize);
    const slots = breaker.allowance(this.clock(), this.policy.concurrency);
    if (slots === 0) return 0;
    const claimed = await this.queue.claimDue(
      name,
      slots * batchSize,
      this.policy.leaseMs,
      new Date(this.clock()),
    );
    const batches: QueuedDelivery[][] = [];
    for (let i = 0; i < claimed.length; i += batchSize)
      batches.push(claimed.slice(i, i + batchSize));
    if (batches.length === 0 && slots === 1 && breaker.state(this.clock()) === 'half_open')
      breaker.success();
    await Promise.all(batches.map((batch) => this.send(name, integration, breaker, batch)));
    return claimed.length;
  }

  private async send(
    name: string,
    integration: Integration,
    breaker: CircuitBreaker,
    batch: QueuedDelivery[],
  ): Promise<void> {
    const started = this.clock();
    let outcome: DeliveryOutcome;
    try {
      outcome = await integration.deliver(
        batch.map((d) => d.notification),
        this.http,
      );
    } catch (error) {
      outcome = { result: 'retry', reason: describe(error) };
    }
    const now = new Date(this.clock());
    const latency = this.clock() - started;
    if (outcome.result === 'delivered') {
      breaker.success();
      for (const d of batch)
        await this.queue.markDelivered(d.key, outcome.status, outcome.reference, now);
      this.observer.attempted?.(name, 'delivered', batch.length, latency);
      return;
    }
    breaker.failure(this.clock());
    for (const d of batch) {
      if (outcome.result === 'failed' || d.attempts > this.policy.maxRetries) {
        const reason =
          outcome.result === 'failed'
            ? outcome.reason
            : `gave up after ${d.attempts} attempts: ${outcome.reason}`;
        await this.queue.markDead(d.key, outcome.status, reason, now);
        this.observer.attempted?.(name, 'dead', 1, latency);
      } else {
        const delay = Math.max(outcome.retryAfterMs ?? 0, this.backoff(d.attempts));
        await this.queue.markRetry(
          d.key,
          outcome.status,
          outcome.reason,
          new Date(now.getTime() + delay),
          now,
        );
        this.observer.attempted?.(name, 'retry', 1, latency);
      }
    }
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
