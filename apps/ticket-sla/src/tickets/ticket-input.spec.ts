import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import {
  create,
  TicketPriority,
  TicketStatus,
  timestampFromMs,
  Topics,
} from '@telcomesh/contracts';
import { ItsmTicketError, ticketInputOfItsm } from './itsm-ticket-input';
import { timelineOfStoredTicket } from './stored-timeline';
import {
  ticketInputOfAgent,
  transitionKeyOf,
  transitionsBetween,
  type TicketInput,
} from './ticket-input';

const agentTicket: AgentTicket = {
  key: 'NOC-1',
  system: 'jira',
  externalId: '10001',
  title: 'BTS down',
  status: 'In Progress',
  priority: 'P1',
  category: 'Network',
  customer: 'Acme',
  assignmentGroup: 'Field',
  assignee: null,
  createdAt: '2025-03-03T08:00:00Z',
  updatedAt: '2025-03-03T09:00:00+03:00',
  resolvedAt: null,
  url: 'https://jira.example/browse/NOC-1',
  history: [
    { at: '2025-03-03T08:00:00Z', field: 'status', from: null, to: 'Open' },
    { at: '2025-03-03T08:05:00Z', field: 'status', from: 'Open', to: 'In Progress' },
    { at: '2025-03-03T08:30:00Z', field: 'assignment_group', from: 'NOC', to: 'Field' },
  ],
};

describe('ticketInputOfAgent', () => {
  it('keeps the history with epoch times', () => {
    const input = ticketInputOfAgent(agentTicket, 'jira', 'acme') as TicketInput;
    expect(input).toMatchObject({
      system: 'jira',
      key: 'NOC-1',
      tenantId: 'acme',
      source: 'agent',
      updatedAt: Date.parse('2025-03-03T06:00:00Z'),
    });
    expect(input.history?.map((h) => h.at)).toEqual([
      Date.parse('2025-03-03T08:00:00Z'),
      Date.parse('2025-03-03T08:05:00Z'),
      Date.parse('2025-03-03T08:30:00Z'),
    ]);
  });

  it('refuses a ticket of another system, or with a history the clock cannot replay, naming it', () => {
    expect(ticketInputOfAgent(agentTicket, 'servicenow', '')).toEqual({
      key: 'NOC-1',
      reason: 'ticket NOC-1: system "jira" is not the agent\'s system "servicenow"',
    });
    const backwards = { ...agentTicket, history: [...agentTicket.history].reverse() };
    const refused = ticketInputOfAgent(backwards, 'jira', '');
    expect(refused).toMatchObject({ key: 'NOC-1' });
    expect((refused as { reason: string }).reason).toMatch(
      /NOC-1: history\[1\]\.at .* is before the previous change/,
    );
  });
});

describe('stored history', () => {
  it('records only what differs, at updatedAt, and nothing for an older version', () => {
    const input = ticketInputOfAgent(agentTicket, 'jira', '') as TicketInput;
    const stored = { status: 'Open', assignmentGroup: 'NOC', updatedAt: input.updatedAt - 1000 };
    expect(transitionsBetween(stored, input)).toEqual([
      { at: input.updatedAt, field: 'assignment_group', from: 'NOC', to: 'Field' },
      { at: input.updatedAt, field: 'status', from: 'Open', to: 'In Progress' },
    ]);
    expect(transitionsBetween({ ...stored, updatedAt: input.updatedAt + 1 }, input)).toEqual([]);
    expect(
      transitionsBetween({ status: 'In Progress', assignmentGroup: 'Field', updatedAt: 0 }, input),
    ).toEqual([]);
  });

  it('gives the same change the same key, and different changes different keys', () => {
    const change = { at: 5, field: 'status' as const, from: 'Open', to: 'Closed' };
    expect(transitionKeyOf(change)).toBe(transitionKeyOf({ ...change }));
    expect(transitionKeyOf(change)).not.toBe(transitionKeyOf({ ...change, at: 6 }));
    expect(transitionKeyOf(change)).not.toBe(transitionKeyOf({ ...change, from: null }));
    expect(transitionKeyOf({ ...change, from: 'a', to: 'bc' })).not.toBe(
      transitionKeyOf({ ...change, from: 'ab', to: 'c' }),
    );
  });

  it('rebuilds the timeline the way the calculator reads agent tickets', () => {
    const input = ticketInputOfAgent(agentTicket, 'jira', '') as TicketInput;
    const timeline = timelineOfStoredTicket(
      {
        key: 'NOC-1',
        createdAt: input.createdAt,
        status: input.status,
        assignmentGroup: input.assignmentGroup,
      },
      input.history ?? [],
    );
    expect(timeline).toMatchObject({ initialStatus: 'Open', initialDepartment: 'NOC' });
    expect(timeline.changes.map((c) => c.to)).toEqual(['Open', 'In Progress', 'Field']);
    const quiet = timelineOfStoredTicket(
      { key: 'X', createdAt: 0, status: 'New', assignmentGroup: 'NOC' },
      [],
    );
    expect(quiet).toMatchObject({ initialStatus: 'New', initialDepartment: 'NOC', changes: [] });
  });
});

describe('ticketInputOfItsm', () => {
  const base = create(Topics.ItsmTickets, {
    sysId: 'a1b2',
    number: 'INC0010001',
    tenantId: 'towerco',
    priority: TicketPriority.P2_HIGH,
    category: 'Network',
    title: 'Site down',
    status: TicketStatus.ON_HOLD,
    sourceStatus: 'Awaiting Vendor',
    assignmentGroup: 'Field Ops',
    openedAt: timestampFromMs(Date.parse('2025-03-03T08:00:00Z')),
    updatedAt: timestampFromMs(Date.parse('2025-03-03T09:00:00Z')),
    metadata: { company: 'Acme', url: 'https://snow.example/INC0010001' },
  });

  it('maps the current state, keeping the source wording of the status', () => {
    expect(ticketInputOfItsm(base, 'servicenow', 'default')).toMatchObject({
      system: 'servicenow',
      key: 'INC0010001',
      externalId: 'a1b2',
      tenantId: 'towerco',
      status: 'Awaiting Vendor',
      priority: 'P2',
      customer: 'Acme',
      url: 'https://snow.example/INC0010001',
      assignmentGroup: 'Field Ops',
      createdAt: Date.parse('2025-03-03T08:00:00Z'),
      updatedAt: Date.parse('2025-03-03T09:00:00Z'),
      resolvedAt: null,
      history: null,
      source: 'itsm',
    });
    const plain = create(Topics.ItsmTickets, {
      ...base,
      sourceStatus: '',
      tenantId: '',
      status: TicketStatus.IN_PROGRESS,
    });
    expect(ticketInputOfItsm(plain, 'servicenow', 'default')).toMatchObject({
      status: 'In Progress',
      tenantId: 'default',
    });
  });

  it('refuses a ticket without identity or opening time, saying which', () => {
    expect(() =>
      ticketInputOfItsm(create(Topics.ItsmTickets, { ...base, openedAt: undefined }), 's', ''),
    ).toThrow(new ItsmTicketError('itsm ticket INC0010001 (sys_id a1b2): opened_at is missing'));
    expect(() =>
      ticketInputOfItsm(create(Topics.ItsmTickets, { ...base, number: '', sysId: '' }), 's', ''),
    ).toThrow(ItsmTicketError);
  });
});
