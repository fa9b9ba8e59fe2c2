import { checkAgentTicket, ProtocolError } from '@telcomesh/ticket-agent-protocol';
import { checkTimeline, SlaClock, timelineFromAgentTicket } from '../../apps/ticket-sla/src/sla';
import { SlaCatalog } from '../../apps/ticket-sla/src/sla-runtime/sla-catalog';
import { timelineOfStoredTicket } from '../../apps/ticket-sla/src/tickets/stored-timeline';
import { ticketInputOfAgent } from '../../apps/ticket-sla/src/tickets/ticket-input';
import {
  agentTicketOf,
  BENCH_CALENDARS,
  BENCH_POLICIES,
  crossingInstant,
  crossingPolicy,
  crossingTargetMinutes,
  crossingTicket,
  openTickets,
  PAUSE_STATUSES,
} from './open-tickets';

const NOW = Date.UTC(2025, 9, 27, 9, 30);
const MINUTE = 60_000;
const generate = (count: number, seed = 3) =>
  openTickets(count, { now: NOW, seed, system: 'bench', keyPrefix: 'NOC', tenantId: 'bench' });

describe('the benchmark workload', () => {
  const catalog = SlaCatalog.build(1, BENCH_CALENDARS, BENCH_POLICIES);
  const tickets = generate(3000);

  it('is the same for a seed and different for another', () => {
    expect(generate(200)).toEqual(tickets.slice(0, 200));
    expect(generate(200, 4)).not.toEqual(tickets.slice(0, 200));
  });

  it('makes open tickets whose history is consistent, ordered and in the past', () => {
    for (const { ticket, transitions } of tickets) {
      let status = 'New';
      let previous = ticket.createdAt;
      for (const t of transitions) {
        expect(t.at).toBeGreaterThan(previous);
        previous = t.at;
        if (t.field === 'status') {
          expect(t.from).toBe(status);
          status = t.to as string;
        }
      }
      expect(previous).toBeLessThan(NOW);
      expect(ticket.status).toBe(status);
      const groups = transitions.filter((t) => t.field === 'assignment_group');
      if (groups.length > 0) expect(ticket.assignmentGroup).toBe(groups[groups.length - 1].to);
      const policy = catalog.match(ticket);
      expect(policy).toBeDefined();
      expect(['active', 'paused']).toContain(policy?.statusClassOf(ticket.status));
      expect(() => checkTimeline(timelineOfStoredTicket(ticket, transitions))).not.toThrow();
    }
  });

  it('spreads tickets over every policy, with pauses, reassignments and reopenings', () => {
    const policies = new Set(tickets.map(({ ticket }) => catalog.match(ticket)?.id));
    expect([...policies].sort()).toEqual(BENCH_POLICIES.map((p) => p.id).sort());
    const has = (test: (to: string | null, field: string) => boolean) =>
      tickets.filter(({ transitions }) => transitions.some((t) => test(t.to, t.field))).length;
    expect(has((to) => PAUSE_STATUSES.includes(to ?? ''))).toBeGreaterThan(300);
    expect(has((_, field) => field === 'assignment_group')).toBeGreaterThan(300);
    expect(has((to) => to === 'Resolved')).toBeGreaterThan(30);
    const paused = tickets.filter(({ ticket }) => PAUSE_STATUSES.includes(ticket.status)).length;
    expect(paused).toBeGreaterThan(100);
  });

  it('sends each ticket as an agent would, and the service reads back the same timeline', () => {
    for (const bench of tickets.slice(0, 500)) {
      const agentTicket = agentTicketOf(bench);
      expect(checkAgentTicket(agentTicket)).not.toBeInstanceOf(ProtocolError);
      expect(ticketInputOfAgent(agentTicket, 'bench', 'bench')).not.toHaveProperty('reason');
      expect(timelineFromAgentTicket(agentTicket)).toEqual(
        timelineOfStoredTicket(bench.ticket, bench.transitions),
      );
    }
  });
});

describe('the crossing tickets', () => {
  it('breach their policy exactly at the planned instant, and nothing is crossed before', () => {
    const minutes = crossingTargetMinutes(40_000, 30_000);
    const catalog = SlaCatalog.build(1, BENCH_CALENDARS, [
      crossingPolicy(minutes),
      ...BENCH_POLICIES,
    ]);
    const breachAt = NOW + 55_000;
    const agentTicket = crossingTicket('bench-a', 'X1-0', breachAt, minutes);
    expect(checkAgentTicket(agentTicket)).not.toBeInstanceOf(ProtocolError);
    const policy = catalog.match({
      priority: 'P2',
      category: null,
      customer: agentTicket.customer,
    });
    if (policy === undefined) throw new Error('no policy matches the crossing ticket');
    expect(policy.id).toBe('bench-crossing');
    const clock = new SlaClock(policy, timelineFromAgentTicket(agentTicket));
    const before = clock.evaluate(breachAt - 1);
    expect(before.resolution).toMatchObject({ state: 'running', dueAt: breachAt });
    expect(before.response).toBeNull();
    expect(clock.nextCrossing(NOW)).toEqual({ kind: 'resolution', share: 1, at: breachAt });
    expect(clock.evaluate(breachAt).resolution?.state).toBe('breached');
  });

  it('have their whole history in the past when loaded at the plan', () => {
    for (const [leadMs, windowMs] of [
      [20_000, 30_000],
      [300_000, 30_000],
      [60_000, 600_000],
    ]) {
      const minutes = crossingTargetMinutes(leadMs, windowMs);
      const lastBreach = NOW + leadMs + windowMs;
      const ticket = crossingTicket('bench-a', 'X', lastBreach, minutes);
      const lastChange = Date.parse(ticket.history[ticket.history.length - 1].at);
      expect(lastChange).toBeLessThanOrEqual(NOW - MINUTE);
    }
  });

  it('are spread evenly over the window, on distinct whole milliseconds', () => {
    const at = Array.from({ length: 20_000 }, (_, i) => crossingInstant(NOW, 30_000, i, 20_000));
    expect(at[0]).toBeGreaterThanOrEqual(NOW);
    expect(at[at.length - 1]).toBeLessThan(NOW + 30_000);
    for (let i = 1; i < at.length; i += 1) {
      expect(Number.isInteger(at[i])).toBe(true);
      expect(at[i]).toBeGreaterThan(at[i - 1]);
    }
    // Evenly: a third of the crossings in each third of the window.
    expect(at.filter((x) => x < NOW + 10_000)).toHaveLength(6667);
  });
});
