export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * Per-integration breaker: after `threshold` failures in a row it opens and nothing is sent for
 * `cooldownMs`; then one trial delivery decides whether it closes again or re-opens.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
  ) {}

  state(now: number): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return now - this.openedAt >= this.cooldownMs ? 'half_open' : 'open';
  }

  /** How many deliveries may start now: all when closed, one trial when half-open, none when open. */
  allowance(now: number, wanted: number): number {
    const state = this.state(now);
    if (state === 'closed') return wanted;
    if (state === 'open' || this.trialInFlight) return 0;
    this.trialInFlight = true;
    return Math.min(1, wanted);
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  failure(now: number): void {
    this.failures++;
    this.trialInFlight = false;
    if (this.openedAt !== undefined || this.failures >= this.threshold) this.openedAt = now;
  }
}
