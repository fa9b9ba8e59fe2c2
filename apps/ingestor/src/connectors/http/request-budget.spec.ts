import { RequestBudget } from './request-budget';

describe('RequestBudget', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows max requests, then refuses without taking anything', () => {
    const budget = new RequestBudget(3, 60_000, clock);
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([true, true, true]);
    expect(budget.tryTake()).toBe(false);
    expect(budget.tryTake()).toBe(false);
    expect(budget.remaining).toBe(0);
  });

  it('refills evenly over the window and says when the next request is allowed', () => {
    const budget = new RequestBudget(3, 60_000, clock);
    for (let i = 0; i < 3; i++) budget.tryTake();
    expect(budget.nextAvailableAtMs()).toBe(now + 20_000);
    now += 19_999;
    expect(budget.tryTake()).toBe(false);
    now += 1;
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
  });

  it('never holds more than max, however long it was idle', () => {
    const budget = new RequestBudget(2, 1000, clock);
    now += 3_600_000;
    expect(budget.remaining).toBe(2);
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([true, true, false]);
  });

  it('rejects a budget that could never allow a request', () => {
    expect(() => new RequestBudget(0, 1000, clock)).toThrow(
      'maxRequests must be a positive integer',
    );
    expect(() => new RequestBudget(5, 0, clock)).toThrow('windowMs must be positive');
  });
});
