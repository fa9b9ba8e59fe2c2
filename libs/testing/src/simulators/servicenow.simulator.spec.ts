import {
  EncodedQueryError,
  ServiceNowSimulator,
  parseEncodedQuery,
  selectRows,
} from './servicenow.simulator';

const NOW = new Date('2025-03-01T00:00:00Z');

function simulator(seed = 5): ServiceNowSimulator {
  return new ServiceNowSimulator({
    username: 'agent',
    password: 'secret',
    records: { seed, incident: 60, problem: 10, change_request: 10, sc_request: 10 },
    now: () => NOW,
  });
}

const read = (row: Record<string, string>, field: string): string => row[field] ?? '';

describe('parseEncodedQuery', () => {
  it('groups ^OR with the condition before it, and ^NQ starts another query', () => {
    expect(parseEncodedQuery('active=true^state=1^ORstate=2^NQnumberSTARTSWITHPRB')).toEqual({
      alternatives: [
        [
          [{ field: 'active', operator: '=', value: 'true' }],
          [
            { field: 'state', operator: '=', value: '1' },
            { field: 'state', operator: '=', value: '2' },
          ],
        ],
        [[{ field: 'number', operator: 'STARTSWITH', value: 'PRB' }]],
      ],
      orderBy: [],
    });
  });

  it('evaluates gs.dateGenerate, reads ORDERBY, operators and literal carets', () => {
    const query = parseEncodedQuery(
      "sys_updated_on>=javascript:gs.dateGenerate('2025-02-01','10:30:00')^short_descriptionLIKEa^^b^priorityIN1,2^assigned_toISEMPTY^opened_atBETWEENjavascript:gs.dateGenerate('2025-01-01','start')@javascript:gs.dateGenerate('2025-01-31','end')^ORDERBYDESCpriority^ORDERBYnumber^EQ",
    );
    expect(query.alternatives).toEqual([
      [
        [{ field: 'sys_updated_on', operator: '>=', value: '2025-02-01 10:30:00' }],
        [{ field: 'short_description', operator: 'LIKE', value: 'a^b' }],
        [{ field: 'priority', operator: 'IN', value: '1,2' }],
        [{ field: 'assigned_to', operator: 'ISEMPTY', value: '' }],
        [
          {
            field: 'opened_at',
            operator: 'BETWEEN',
            value: '2025-01-01 00:00:00@2025-01-31 23:59:59',
          },
        ],
      ],
    ]);
    expect(query.orderBy).toEqual([
      { field: 'priority', descending: true },
      { field: 'number', descending: false },
    ]);
  });

  it.each([
    ['state~1', /Unsupported condition/],
    ['sys_updated_on>javascript:gs.daysAgo(3)', /Unsupported script/],
    ['^ORstate=1', /\^OR with nothing before it/],
    ['opened_atBETWEEN2025-01-01', /two values/],
  ])('refuses %s', (encoded, message) => {
    expect(() => parseEncodedQuery(encoded)).toThrow(EncodedQueryError);
    expect(() => parseEncodedQuery(encoded)).toThrow(message);
  });
});

describe('selectRows', () => {
  const rows = [
    { n: 'a', priority: '2', when: '2025-01-02 00:00:00', text: 'Cell DOWN' },
    { n: 'b', priority: '10', when: '2025-01-01 00:00:00', text: 'link flap' },
    { n: 'c', priority: '2', when: '', text: 'cell up' },
    { n: 'd', priority: '1', when: '2025-01-03 00:00:00', text: '' },
  ];
  const names = (encoded: string): string[] =>
    selectRows(rows, parseEncodedQuery(encoded), read).map((r) => r.n);

  it('compares numbers as numbers and glide times as text', () => {
    expect(names('priority>2')).toEqual(['b']);
    expect(names('priority<=2')).toEqual(['a', 'c', 'd']);
    expect(names("when<javascript:gs.dateGenerate('2025-01-02','12:00:00')")).toEqual(['a', 'b']);
  });

  it('matches text case-insensitively for LIKE/STARTSWITH and exactly for =', () => {
    expect(names('textLIKEcell')).toEqual(['a', 'c']);
    expect(names('textSTARTSWITHcell^ORtextENDSWITHflap')).toEqual(['a', 'b', 'c']);
    expect(names('text=cell up')).toEqual(['c']);
    expect(names('textISEMPTY^NQwhenISEMPTY')).toEqual(['c', 'd']);
    expect(names('nNOT INa,b')).toEqual(['c', 'd']);
  });

  it('matches nothing on unknown fields', () => {
    expect(names('colour=red')).toEqual([]);
  });

  it('orders stably: ties keep table order, whatever the direction', () => {
    expect(names('ORDERBYpriority')).toEqual(['d', 'a', 'c', 'b']);
    expect(names('ORDERBYDESCpriority')).toEqual(['b', 'a', 'c', 'd']);
  });
});

describe('ServiceNowSimulator seeded records', () => {
  it('are the same for the same seed', () => {
    const summary = (s: ServiceNowSimulator): string[] =>
      ['incident', 'problem'].flatMap((t) =>
        s.records(t).map((r) => `${String(r.number)}:${String(r.state)}:${String(r.sys_id)}`),
      );
    expect(summary(simulator())).toEqual(summary(simulator()));
    expect(summary(simulator(6))).not.toEqual(summary(simulator()));
  });

  it('have sys_audit rows that replay to the ground truth', () => {
    const sim = simulator();
    const groupName = new Map(sim.assignmentGroups.map((g) => [g.sys_id, g.name]));
    const labels: Record<string, Record<string, string>> = {
      incident: {
        '1': 'New',
        '2': 'In Progress',
        '3': 'On Hold',
        '6': 'Resolved',
        '7': 'Closed',
        '8': 'Canceled',
      },
      sc_request: {
        '-5': 'Pending',
        '1': 'Open',
        '2': 'Work in Progress',
        '3': 'Closed Complete',
        '4': 'Closed Incomplete',
        '7': 'Closed Skipped',
      },
    };
    for (const table of ['incident', 'sc_request']) {
      for (const record of sim.records(table)) {
        const sysId = String(record.sys_id);
        const audits = sim.auditLog.filter(
          (a) =>
            a.documentkey === sysId &&
            (a.fieldname === 'state' || a.fieldname === 'assignment_group'),
        );
        const truth = sim.transitionsOf(sysId);
        // The first two truths open the record (from null); the rest are audited changes.
        expect(truth.slice(0, 2).map((t) => t.from)).toEqual([null, null]);
        expect(
          audits.map((a) => ({
            at: `${a.sys_created_on.replace(' ', 'T')}.000Z`,
            field: a.fieldname === 'state' ? 'status' : 'assignment_group',
            from: a.fieldname === 'state' ? labels[table][a.oldvalue] : groupName.get(a.oldvalue),
            to: a.fieldname === 'state' ? labels[table][a.newvalue] : groupName.get(a.newvalue),
          })),
        ).toEqual(truth.slice(2));
        const last = (field: string): string | null | undefined =>
          [...truth].reverse().find((t) => t.field === field)?.to;
        expect(last('status')).toBe(labels[table][String(record.state)]);
        expect(last('assignment_group')).toBe(groupName.get(String(record.assignment_group)));
        expect(String(record.sys_updated_on) >= String(record.sys_created_on)).toBe(true);
      }
    }
  });

  it('include long histories and noise rows the history reader must skip', () => {
    const sim = simulator();
    const lengths = sim.records('incident').map((r) => sim.transitionsOf(String(r.sys_id)).length);
    expect(Math.max(...lengths)).toBeGreaterThan(40);
    expect(sim.auditLog.some((a) => a.fieldname === 'priority')).toBe(true);
  });

  it('selects rows like the Table API, with assignment_group.name dot-walked', () => {
    const sim = simulator();
    const noc = sim.assignmentGroups[0];
    const rows = sim.matching(
      'incident',
      'active=true^assignment_group.name=NOC L1^ORDERBYDESCnumber',
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.active === true && r.assignment_group === noc.sys_id)).toBe(true);
    const numbers = rows.map((r) => String(r.number));
    expect(numbers).toEqual([...numbers].sort().reverse());
  });

  it('audits and records the truth of updates made on request', () => {
    const sim = simulator();
    const record = sim.records('problem')[0];
    const sysId = String(record.sys_id);
    const target = sim.assignmentGroups.find((g) => g.sys_id !== record.assignment_group)!;
    sim.updateRecord(
      'problem',
      sysId,
      { assignment_group: target.sys_id },
      new Date('2025-03-01T02:00:00Z'),
    );
    expect(sim.transitionsOf(sysId).at(-1)).toMatchObject({
      at: '2025-03-01T02:00:00.000Z',
      field: 'assignment_group',
      to: target.name,
    });
    expect(sim.auditLog.at(-1)).toMatchObject({
      documentkey: sysId,
      fieldname: 'assignment_group',
      newvalue: target.sys_id,
      sys_created_on: '2025-03-01 02:00:00',
    });
    expect(record.sys_updated_on).toBe('2025-03-01 02:00:00');
  });
});
