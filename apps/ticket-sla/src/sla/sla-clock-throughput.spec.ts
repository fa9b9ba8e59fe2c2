import { checkTimeline } from './sla-ticket-timeline';
import { measureSlaClockThroughput, syntheticTimelines } from './sla-clock-throughput';

describe('SLA clock micro-benchmark', () => {
  it('generates the same valid tickets for the same seed', () => {
    const now = Date.UTC(2025, 2, 31);
    const tickets = syntheticTimelines(200, now);
    expect(syntheticTimelines(200, now)).toEqual(tickets);
    expect(syntheticTimelines(200, now, 2)).not.toEqual(tickets);
    for (const ticket of tickets) {
      expect(() => checkTimeline(ticket)).not.toThrow();
      expect(ticket.changes.every((change) => change.at <= now)).toBe(true);
    }
  });

  it('reports a finite positive rate', () => {
    const rate = measureSlaClockThroughput(500);
    expect(Number.isFinite(rate) && rate > 0).toBe(true);
  });
});
