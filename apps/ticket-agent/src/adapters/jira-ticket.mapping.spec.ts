import {
  composeJql,
  inlineHistories,
  jiraFieldText,
  jiraIssueToTicket,
  jiraTransitions,
  splitOrderBy,
} from './jira-ticket.mapping';
import { TicketRecordError } from './ticket-system-error';

const mapping = {
  assignmentGroupField: 'customfield_10050',
  categoryField: 'issuetype',
  customerField: 'reporter',
};

function issue(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '10001',
    key: 'NOC-7',
    fields: {
      summary: 'Cell down at site-101',
      status: { id: '3', name: 'In Progress' },
      priority: { name: 'High' },
      issuetype: { name: 'Incident' },
      reporter: { displayName: 'MegaTower LLC' },
      assignee: null,
      customfield_10050: { id: '10101', value: 'NOC L2' },
      created: '2025-01-01T10:00:00.000+0000',
      updated: '2025-01-01T12:00:00.000+0000',
      resolutiondate: null,
      ...overrides,
    },
  };
}

const histories = [
  {
    id: '2',
    created: '2025-01-01T11:00:00.000+0000',
    items: [
      {
        field: 'Assignment group',
        fieldtype: 'custom',
        fieldId: 'customfield_10050',
        fromString: 'NOC L1',
        toString: 'NOC L2',
      },
      { field: 'assignee', fieldId: 'assignee', fromString: null, toString: 'Anna' },
    ],
  },
  {
    id: '1',
    created: '2025-01-01T10:30:00.000+0000',
    items: [
      {
        field: 'status',
        fieldtype: 'jira',
        fieldId: 'status',
        fromString: 'Open',
        toString: 'In Progress',
      },
    ],
  },
];

describe('jiraFieldText', () => {
  it('reads options, users, names, lists and scalars', () => {
    expect(jiraFieldText({ value: 'NOC L1', id: '1' })).toBe('NOC L1');
    expect(jiraFieldText({ displayName: 'Anna', accountId: 'x' })).toBe('Anna');
    expect(jiraFieldText({ name: 'Incident' })).toBe('Incident');
    expect(jiraFieldText([{ name: 'Org A' }, { name: 'Org B' }])).toBe('Org A, Org B');
    expect(jiraFieldText(3)).toBe('3');
    expect(jiraFieldText('')).toBeNull();
    expect(jiraFieldText({ id: '1' })).toBeNull();
  });
});

describe('jiraTransitions', () => {
  it('keeps status and group changes only, named by field id or by name', () => {
    expect(jiraTransitions(histories, mapping)).toEqual([
      { at: '2025-01-01T11:00:00.000Z', field: 'assignment_group', from: 'NOC L1', to: 'NOC L2' },
      { at: '2025-01-01T10:30:00.000Z', field: 'status', from: 'Open', to: 'In Progress' },
    ]);
    const server = [
      {
        created: '2025-01-01T11:00:00.000+0000',
        items: [{ field: 'Assignment Group', toString: 'X' }],
      },
    ];
    expect(jiraTransitions(server, mapping)).toEqual([]);
    expect(
      jiraTransitions(server, { ...mapping, assignmentGroupFieldName: 'assignment group' }),
    ).toEqual([{ at: '2025-01-01T11:00:00.000Z', field: 'assignment_group', from: null, to: 'X' }]);
  });

  it('reads a missing toString as null, not as Object.prototype.toString', () => {
    const parsed = JSON.parse(
      '[{"created":"2025-01-01T11:00:00.000+0000","items":[{"fieldId":"status","fromString":"Open"}]}]',
    ) as typeof histories;
    expect(jiraTransitions(parsed, mapping)[0].to).toBeNull();
  });

  it('refuses a changelog entry without a time', () => {
    expect(() => jiraTransitions([{ id: '9', created: 'soon', items: [] }], mapping)).toThrow(
      TicketRecordError,
    );
  });
});

describe('inlineHistories', () => {
  it('says whether the inline changelog holds every history', () => {
    expect(inlineHistories({ changelog: { total: 2, histories } }).complete).toBe(true);
    expect(inlineHistories({ changelog: { total: 120, histories } })).toEqual({
      histories,
      complete: false,
    });
    expect(inlineHistories({}).complete).toBe(false);
  });
});

describe('jiraIssueToTicket', () => {
  it('maps fields and replays the changelog from the opening values', () => {
    expect(jiraIssueToTicket(issue(), histories, mapping, 'https://site.example')).toEqual({
      key: 'NOC-7',
      system: 'jira',
      externalId: '10001',
      title: 'Cell down at site-101',
      status: 'In Progress',
      priority: 'High',
      category: 'Incident',
      customer: 'MegaTower LLC',
      assignmentGroup: 'NOC L2',
      assignee: null,
      createdAt: '2025-01-01T10:00:00.000Z',
      updatedAt: '2025-01-01T12:00:00.000Z',
      resolvedAt: null,
      url: 'https://site.example/browse/NOC-7',
      history: [
        { at: '2025-01-01T10:00:00.000Z', field: 'status', from: null, to: 'Open' },
        { at: '2025-01-01T10:00:00.000Z', field: 'assignment_group', from: null, to: 'NOC L1' },
        { at: '2025-01-01T10:30:00.000Z', field: 'status', from: 'Open', to: 'In Progress' },
        { at: '2025-01-01T11:00:00.000Z', field: 'assignment_group', from: 'NOC L1', to: 'NOC L2' },
      ],
    });
  });

  it.each([
    [{ ...issue(), key: undefined }, 'issue has no key'],
    [issue({ status: null }), 'issue NOC-7 has no status'],
    [issue({ created: 'never' }), 'issue NOC-7 has no valid created time'],
    [{ key: 'NOC-1', id: '1' }, 'issue NOC-1 has no fields'],
  ])('names what is missing', (bad, message) => {
    expect(() => jiraIssueToTicket(bad, [], mapping, 'https://x')).toThrow(message);
  });
});

describe('composeJql', () => {
  it('ANDs the filter and the query, narrows by update time in the user zone, keeps the last ORDER BY', () => {
    expect(
      composeJql(
        ['project = NOC ORDER BY priority DESC', 'status != Closed'],
        '2025-01-01T10:59:30Z',
        'Europe/Moscow',
      ),
    ).toBe(
      '(project = NOC) AND (status != Closed) AND (updated >= "2025-01-01 13:59") ORDER BY priority DESC',
    );
  });

  it('orders by creation when nothing else is asked, so pages stay stable', () => {
    expect(composeJql(['project = NOC'], undefined, 'UTC')).toBe(
      'project = NOC ORDER BY created ASC, key ASC',
    );
  });

  it('does not split on ORDER BY inside quotes', () => {
    expect(splitOrderBy('summary ~ "order by x" order by key')).toEqual({
      where: 'summary ~ "order by x"',
      orderBy: 'key',
    });
    expect(splitOrderBy("summary ~ 'a\\'order by'")).toEqual({ where: "summary ~ 'a\\'order by'" });
  });
});
