import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import { SlaInputError } from './sla-errors';
import { timelineFromAgentTicket } from './sla-ticket-timeline';

function agentTicket(overrides: Partial<AgentTicket> = {}): AgentTicket {
  return {
    key: 'NOC-7',
    system: 'jira',
    externalId: '10007',
    title: 'Site down',
    status: 'Resolved',
    priority: 'P1',
    category: 'Radio',
    customer: null,
    assignmentGroup: 'Radio',
    assignee: null,
    createdAt: '2025-05-05T03:00:00+03:00',
    updatedAt: '2025-05-05T06:00:00+03:00',
    resolvedAt: '2025-05-05T06:00:00+03:00',
    url: null,
    history: [
      { at: '2025-05-05T00:10:00Z', field: 'assignment_group', from: 'NOC', to: 'Radio' },
      { at: '2025-05-05T00:20:00Z', field: 'status', from: 'New', to: 'In progress' },
      { at: '2025-05-05T03:00:00Z', field: 'status', from: 'In progress', to: 'Resolved' },
    ],
    ...overrides,
  };
}

describe('timelineFromAgentTicket', () => {
  it('takes the initial status and department from the first change of each', () => {
    expect(timelineFromAgentTicket(agentTicket())).toEqual({
      key: 'NOC-7',
      createdAt: Date.parse('2025-05-05T00:00:00Z'),
      initialStatus: 'New',
      initialDepartment: 'NOC',
      changes: [
        { at: Date.parse('2025-05-05T00:10:00Z'), field: 'assignment_group', to: 'Radio' },
        { at: Date.parse('2025-05-05T00:20:00Z'), field: 'status', to: 'In progress' },
        { at: Date.parse('2025-05-05T03:00:00Z'), field: 'status', to: 'Resolved' },
      ],
    });
  });

  it('uses current values when a field never changed, and the target of a change from null', () => {
    const quiet = timelineFromAgentTicket(agentTicket({ history: [] }));
    expect([quiet.initialStatus, quiet.initialDepartment]).toEqual(['Resolved', 'Radio']);
    const created = timelineFromAgentTicket(
      agentTicket({
        history: [{ at: '2025-05-05T00:00:00Z', field: 'status', from: null, to: 'New' }],
      }),
    );
    expect(created.initialStatus).toBe('New');
  });

  it.each([
    [
      { createdAt: '2025-05-05 03:00' },
      'ticket NOC-7: createdAt: "2025-05-05 03:00" is not an ISO-8601 instant',
    ],
    [{ createdAt: '2025-05-05T03:00:00' }, 'with an offset'],
    [
      { history: [{ at: '2025-02-30T00:00:00Z', field: 'status', from: 'New', to: 'Open' }] },
      'ticket NOC-7: history[0].at: "2025-02-30T00:00:00Z"',
    ],
    [
      { history: [{ at: '2025-05-05T00:00:00Z', field: 'status', from: 'New', to: null }] },
      'ticket NOC-7: history[0].to: a status change needs a new status',
    ],
    [
      {
        history: [
          { at: '2025-05-05T02:00:00Z', field: 'status', from: 'New', to: 'Open' },
          { at: '2025-05-05T01:00:00Z', field: 'status', from: 'Open', to: 'Done' },
        ],
      },
      'history[1].at (2025-05-05T01:00:00.000Z) is before the previous change',
    ],
  ] as [Partial<AgentTicket>, string][])('says what and where: %j', (overrides, expected) => {
    expect(() => timelineFromAgentTicket(agentTicket(overrides))).toThrow(SlaInputError);
    expect(() => timelineFromAgentTicket(agentTicket(overrides))).toThrow(expected);
  });
});
