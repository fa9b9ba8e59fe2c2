/**
 * A per-source request budget: a token bucket of `maxRequests` that refills evenly over
 * `windowMs`. When it is empty the client does not call the source at all; the sync stops and
 * reports `quota_exceeded` with the time a request will be allowed again.
 */
export class RequestBudget {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    readonly maxRequests: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(maxRequests) || maxRequests < 1) {
      throw new RangeError(
        `request budget: maxRequests must be a positive integer, got ${maxRequests}`,
      );
    }
    if (!(windowMs > 0))
      throw new RangeError(`request budget: windowMs must be positive, got ${windowMs}`);
    this.tokens = maxRequests;
    this.refilledAtMs = now();
  }

  /** Takes one request from the budget; false (and nothing taken) when it is spent. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole requests left right now. */
  get remaining(): number {
    this.refill();
    return Math.floor(this.tokens);
  }

  /** When the next request will be allowed (now when one is left), ms since epoch. */
  nextAvailableAtMs(): number {
    this.refill();
    if (this.tokens >= 1) return this.refilledAtMs;
    return this.refilledAtMs + Math.ceil(((1 - this.tokens) * this.windowMs) / this.maxRequests);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.refilledAtMs;
    if (elapsed <= 0) return;
    this.tokens = Math.min(
      this.maxRequests,
      this.tokens + (elapsed * this.maxRequests) / this.windowMs,
    );
    this.refilledAtMs = now;
  }
}
