import {
  JiraSimulator,
  JqlError,
  parseJql,
  parseJqlDate,
  type JiraSimulatedIssue,
} from './jira.simulator';

const NOW = new Date('2025-03-01T00:00:00Z');

function simulator(count = 120, seed = 7): JiraSimulator {
  return new JiraSimulator({
    username: 'agent@example.com',
    apiToken: 'token',
    projects: ['NOC', 'OPS'],
    tickets: { count, seed },
    now: () => NOW,
  });
}

/** Replays an issue's changelog items for one field: the values it went through. */
function replay(issue: JiraSimulatedIssue, field: string): (string | null)[] {
  return issue.histories.flatMap((h) =>
    h.items.filter((i) => i.fieldId === field).map((i) => i.toString),
  );
}

describe('parseJql', () => {
  it('binds AND tighter than OR, and NOT to one operand', () => {
    expect(parseJql('project = NOC OR status = Open AND NOT priority = High').where).toEqual({
      type: 'or',
      left: { type: 'clause', field: 'project', operator: '=', values: ['NOC'] },
      right: {
        type: 'and',
        left: { type: 'clause', field: 'status', operator: '=', values: ['Open'] },
        right: {
          type: 'not',
          operand: { type: 'clause', field: 'priority', operator: '=', values: ['High'] },
        },
      },
    });
  });

  it('reads lists, EMPTY checks, quoted strings with escapes and ORDER BY', () => {
    const query = parseJql(
      `status NOT IN ("In Progress", 'Waiting for customer') and assignee is not EMPTY and summary ~ "say \\"hi\\"" order by priority desc, key`,
    );
    expect(query.where).toEqual({
      type: 'and',
      left: {
        type: 'and',
        left: {
          type: 'clause',
          field: 'status',
          operator: 'not in',
          values: ['In Progress', 'Waiting for customer'],
        },
        right: { type: 'clause', field: 'assignee', operator: 'is not', values: [] },
      },
      right: { type: 'clause', field: 'summary', operator: '~', values: ['say "hi"'] },
    });
    expect(query.orderBy).toEqual([
      { field: 'priority', descending: true },
      { field: 'key', descending: false },
    ]);
  });

  it('has no restriction for an ORDER BY alone', () => {
    expect(parseJql('ORDER BY created DESC')).toEqual({
      orderBy: [{ field: 'created', descending: true }],
    });
  });

  it.each([
    ['project = "NOC', /not closed/],
    ['project NOC', /Expecting an operator/],
    ['project = NOC AND', /Expecting a field name/],
    ['status in (Open', /Expecting '\)'/],
    ['project = NOC )', /Unexpected '\)'/],
  ])('refuses %s', (jql, message) => {
    expect(() => parseJql(jql)).toThrow(JqlError);
    expect(() => parseJql(jql)).toThrow(message);
  });
});

describe('parseJqlDate', () => {
  it('reads absolute dates as UTC and relative periods from now', () => {
    expect(parseJqlDate('2025-02-03 04:05', NOW)).toBe(Date.parse('2025-02-03T04:05:00Z'));
    expect(parseJqlDate('2025/02/03', NOW)).toBe(Date.parse('2025-02-03T00:00:00Z'));
    expect(parseJqlDate('-2d', NOW)).toBe(Date.parse('2025-02-27T00:00:00Z'));
    expect(() => parseJqlDate('yesterday', NOW)).toThrow(/invalid/);
  });
});

describe('JiraSimulator seeded tickets', () => {
  it('are the same for the same seed and differ for another', () => {
    const keysAndStatuses = (s: JiraSimulator): string[] =>
      s.issues.map((i) => `${i.key}:${i.status}:${i.histories.length}`);
    expect(keysAndStatuses(simulator())).toEqual(keysAndStatuses(simulator()));
    expect(keysAndStatuses(simulator(120, 8))).not.toEqual(keysAndStatuses(simulator()));
  });

  it('keep changelog, current fields and ground truth in step', () => {
    for (const issue of simulator().issues) {
      const statuses = issue.transitions.filter((t) => t.field === 'status');
      const groups = issue.transitions.filter((t) => t.field === 'assignment_group');
      expect(statuses[0]).toEqual({ at: issue.created, field: 'status', from: null, to: 'Open' });
      expect(statuses.slice(1).map((t) => t.to)).toEqual(replay(issue, 'status'));
      expect(groups.slice(1).map((t) => t.to)).toEqual(replay(issue, 'customfield_10050'));
      expect(statuses[statuses.length - 1].to).toBe(issue.status);
      expect(groups[groups.length - 1].to).toBe(issue.assignmentGroup);
      // Each change starts where the previous one ended.
      for (let i = 1; i < statuses.length; i++) expect(statuses[i].from).toBe(statuses[i - 1].to);
      const done = issue.status === 'Resolved' || issue.status === 'Closed';
      expect(issue.resolutiondate !== null).toBe(done);
      expect(issue.updated >= issue.created).toBe(true);
    }
  });

  it('include histories longer than one changelog page and noise fields', () => {
    const issues = simulator().issues;
    expect(issues.some((i) => i.histories.length > 100)).toBe(true);
    const fields = new Set(
      issues.flatMap((i) => i.histories.flatMap((h) => h.items.map((x) => x.field))),
    );
    expect(fields).toEqual(
      new Set(['status', 'Assignment group', 'assignee', 'priority', 'resolution']),
    );
  });

  it('selects issues with the JQL subset, in the asked order', () => {
    const sim = simulator();
    const open = sim.matching(
      'project = NOC AND status in (Open, "In Progress") ORDER BY created ASC',
    );
    expect(open.length).toBeGreaterThan(0);
    expect(
      open.every((i) => i.project === 'NOC' && ['Open', 'In Progress'].includes(i.status)),
    ).toBe(true);
    const expected = sim.issues.filter(
      (i) => i.project === 'NOC' && (i.status === 'Open' || i.status === 'In Progress'),
    );
    expect(open.map((i) => i.key).sort()).toEqual(expected.map((i) => i.key).sort());
    expect([...open].sort((a, b) => a.created.localeCompare(b.created))).toEqual(open);

    const since = sim.matching('updated >= "2025-02-20 00:00"');
    expect(since.map((i) => i.key).sort()).toEqual(
      sim.issues
        .filter((i) => i.updated >= '2025-02-20T00:00:00.000Z')
        .map((i) => i.key)
        .sort(),
    );
    const unassigned = sim.matching('project = OPS AND assignee IS EMPTY');
    expect(unassigned.every((i) => i.assignee === null && i.project === 'OPS')).toBe(true);
    expect(() => sim.matching('project = NOPE')).toThrow("The value 'NOPE' does not exist");
    expect(() => sim.matching('colour = red')).toThrow("Field 'colour' does not exist");
  });

  it('moves issues on request like a person would', () => {
    const sim = simulator(3);
    const [issue] = sim.issues;
    const before = issue.transitions.length;
    const from = issue.assignmentGroup;
    const to = from === 'Transport' ? 'RAN' : 'Transport';
    sim.assignGroup(issue.key, to, new Date('2025-03-01T01:00:00Z'));
    expect(issue.assignmentGroup).toBe(to);
    expect(issue.updated).toBe('2025-03-01T01:00:00.000Z');
    expect(issue.transitions.slice(before)).toEqual([
      { at: '2025-03-01T01:00:00.000Z', field: 'assignment_group', from, to },
    ]);
    expect(issue.histories[issue.histories.length - 1].items).toEqual([
      expect.objectContaining({ fieldId: 'customfield_10050', fromString: from, toString: to }),
    ]);
    expect(() => sim.transition(issue.key, 'Teleported')).toThrow('unknown status');
  });
});
