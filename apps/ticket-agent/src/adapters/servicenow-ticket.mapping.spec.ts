import {
  auditTransitions,
  composeEncodedQuery,
  serviceNowRecordToTicket,
  type ServiceNowAudit,
  type ServiceNowMapping,
} from './servicenow-ticket.mapping';

const SYS_ID = 'a'.repeat(32);
const L1 = '1'.repeat(32);
const L2 = '2'.repeat(32);
const labels = {
  state: (v: string) => ({ '1': 'New', '2': 'In Progress', '3': 'On Hold' })[v] ?? v,
  group: (id: string) => ({ [L1]: 'NOC L1', [L2]: 'NOC L2' })[id] ?? id,
};
const mapping: ServiceNowMapping = {
  table: 'incident',
  instanceUrl: 'https://acme.service-now.com',
  customerField: 'caller_id',
  resolvedAtField: 'resolved_at',
  labels,
};

function audit(
  fieldname: string,
  oldvalue: string,
  newvalue: string,
  at: string,
  checkpoint: number,
): ServiceNowAudit {
  return {
    documentkey: SYS_ID,
    fieldname,
    oldvalue,
    newvalue,
    sys_created_on: at,
    record_checkpoint: String(checkpoint),
  };
}

const both = (value: string, display = value) => ({ value, display_value: display });

describe('auditTransitions', () => {
  it('orders by time then update counter, shows labels and names, and reads empty as null', () => {
    const rows = [
      audit('state', '3', '2', '2025-01-01 10:00:05', 3),
      audit('assignment_group', '', L1, '2025-01-01 09:00:00', 1),
      audit('state', '2', '3', '2025-01-01 10:00:05', 2),
      audit('priority', '3', '1', '2025-01-01 10:00:05', 2),
    ];
    expect(auditTransitions(rows, labels)).toEqual([
      { at: '2025-01-01T09:00:00.000Z', field: 'assignment_group', from: null, to: 'NOC L1' },
      { at: '2025-01-01T10:00:05.000Z', field: 'status', from: 'In Progress', to: 'On Hold' },
      { at: '2025-01-01T10:00:05.000Z', field: 'status', from: 'On Hold', to: 'In Progress' },
    ]);
  });
});

describe('serviceNowRecordToTicket', () => {
  const record = {
    sys_id: both(SYS_ID),
    number: both('INC0010001'),
    short_description: both('Cell down'),
    state: both('2', 'In Progress'),
    priority: both('1', '1 - Critical'),
    category: both('network', 'Network'),
    assignment_group: both(L2, 'NOC L2'),
    assigned_to: both('', ''),
    caller_id: both('x', 'MegaTower LLC'),
    opened_at: both('2025-01-01 08:00:00', '01.01.2025 11:00:00'),
    sys_created_on: both('2025-01-01 08:00:00'),
    sys_updated_on: both('2025-01-01 10:00:00'),
    resolved_at: both(''),
  };

  it('maps display values and replays sys_audit from the opening values', () => {
    const audits = [
      audit('state', '1', '2', '2025-01-01 09:00:00', 1),
      audit('assignment_group', L1, L2, '2025-01-01 10:00:00', 2),
      { ...audit('state', '2', '3', '2025-01-01 10:00:00', 2), documentkey: 'b'.repeat(32) },
    ];
    expect(serviceNowRecordToTicket(record, audits, mapping)).toEqual({
      key: 'INC0010001',
      system: 'servicenow',
      externalId: SYS_ID,
      title: 'Cell down',
      status: 'In Progress',
      priority: '1 - Critical',
      category: 'Network',
      customer: 'MegaTower LLC',
      assignmentGroup: 'NOC L2',
      assignee: null,
      createdAt: '2025-01-01T08:00:00.000Z',
      updatedAt: '2025-01-01T10:00:00.000Z',
      resolvedAt: null,
      url: `https://acme.service-now.com/nav_to.do?uri=${encodeURIComponent(`incident.do?sys_id=${SYS_ID}`)}`,
      history: [
        { at: '2025-01-01T08:00:00.000Z', field: 'status', from: null, to: 'New' },
        { at: '2025-01-01T08:00:00.000Z', field: 'assignment_group', from: null, to: 'NOC L1' },
        { at: '2025-01-01T09:00:00.000Z', field: 'status', from: 'New', to: 'In Progress' },
        { at: '2025-01-01T10:00:00.000Z', field: 'assignment_group', from: 'NOC L1', to: 'NOC L2' },
      ],
    });
  });

  it('reads stored values when the API sent no display values', () => {
    const plain = Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v.value]));
    const ticket = serviceNowRecordToTicket(plain, [], mapping);
    expect(ticket).toMatchObject({
      status: 'In Progress',
      assignmentGroup: 'NOC L2',
      priority: '1',
    });
  });

  it.each([
    [{ ...record, sys_id: both('nope') }, 'has no valid sys_id'],
    [{ ...record, number: both('') }, 'has no number'],
    [{ ...record, state: both('') }, 'INC0010001 has no state'],
    [{ ...record, opened_at: both(''), sys_created_on: both('') }, 'no valid opened_at'],
  ])('names what is missing', (bad, message) => {
    expect(() => serviceNowRecordToTicket(bad, [], mapping)).toThrow(message);
  });
});

describe('composeEncodedQuery', () => {
  it('ANDs filter and query across ^NQ, adds the update time in the user zone, orders stably', () => {
    expect(
      composeEncodedQuery(
        ['active=true^NQstate=7', 'priority=1^ORDERBYDESCpriority'],
        '2025-01-01T10:00:00Z',
        'Europe/Moscow',
      ),
    ).toBe(
      "active=true^priority=1^sys_updated_on>=javascript:gs.dateGenerate('2025-01-01','13:00:00')" +
        "^NQstate=7^priority=1^sys_updated_on>=javascript:gs.dateGenerate('2025-01-01','13:00:00')" +
        '^ORDERBYDESCpriority^ORDERBYsys_id',
    );
  });

  it('orders by creation by default, keeps literal carets and drops ^EQ', () => {
    expect(composeEncodedQuery(['short_descriptionLIKEa^^b^EQ'], undefined, 'UTC')).toBe(
      'short_descriptionLIKEa^^b^ORDERBYsys_created_on^ORDERBYsys_id',
    );
    expect(composeEncodedQuery([], undefined, 'UTC')).toBe('ORDERBYsys_created_on^ORDERBYsys_id');
  });
});
