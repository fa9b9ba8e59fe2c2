import { ItemError } from '../item-fields';
import {
  glideTime,
  isAfter,
  parseGlideTime,
  recordKey,
  serviceNowTicket,
  syncQuery,
} from './servicenow-records';
import { workNotesOf } from './servicenow-write-back';

/** An incident as `sysparm_display_value=all&sysparm_exclude_reference_link=true` returns it. */
const INCIDENT = {
  sys_id: {
    display_value: 'abc123def456abc123def456abc123de',
    value: 'abc123def456abc123def456abc123de',
  },
  number: { display_value: 'INC0010001', value: 'INC0010001' },
  short_description: {
    display_value: 'Network Outage - Site 001',
    value: 'Network Outage - Site 001',
  },
  description: {
    display_value: 'Complete network outage at site 001',
    value: 'Complete network outage at site 001',
  },
  state: { display_value: 'In Progress', value: '2' },
  priority: { display_value: '1 - Critical', value: '1' },
  urgency: { display_value: '1 - High', value: '1' },
  impact: { display_value: '1 - High', value: '1' },
  category: { display_value: 'Network', value: 'network' },
  assignment_group: { display_value: 'Network Operations', value: 'f'.repeat(32) },
  assigned_to: { display_value: 'John Doe', value: 'e'.repeat(32) },
  opened_at: { display_value: '2024-01-15 10:00:00', value: '2024-01-15 09:00:00' },
  resolved_at: { display_value: '', value: '' },
  closed_at: { display_value: '', value: '' },
  close_code: { display_value: '', value: '' },
  sys_created_on: { display_value: '2024-01-15 10:00:00', value: '2024-01-15 09:00:00' },
  sys_updated_on: { display_value: '2024-01-15 10:30:00', value: '2024-01-15 09:30:00' },
  'cmdb_ci.name': { display_value: 'SITE-001', value: 'SITE-001' },
};

describe('ServiceNow records', () => {
  it('maps an incident to the seed "Tickets ITSM" fields, times from stored (UTC) values', () => {
    expect(serviceNowTicket(INCIDENT, 'incident', 'cmdb_ci.name')).toEqual({
      kind: 'ticket',
      ticketId: 'abc123def456abc123def456abc123de',
      number: 'INC0010001',
      table: 'incident',
      title: 'Network Outage - Site 001',
      description: 'Complete network outage at site 001',
      status: 'In Progress',
      severity: 'CRITICAL',
      priority: '1',
      assignedTo: 'John Doe',
      siteCode: 'SITE-001',
      openedAt: new Date('2024-01-15T09:00:00Z'),
      updatedAt: new Date('2024-01-15T09:30:00Z'),
      labels: {
        servicenow_table: 'incident',
        servicenow_sys_id: 'abc123def456abc123def456abc123de',
        state_value: '2',
        category: 'Network',
        assignment_group: 'Network Operations',
        urgency: '1 - High',
        impact: '1 - High',
      },
      raw: INCIDENT,
    });
  });

  it('reads stored-value-only answers and leaves out what is empty', () => {
    const ticket = serviceNowTicket(
      {
        sys_id: '0'.repeat(32),
        number: 'CHG0030001',
        short_description: 'Planned fibre maintenance',
        state: '-2',
        priority: '4',
        opened_at: '',
        sys_created_on: '2024-02-01 08:00:00',
        sys_updated_on: '2024-02-01 08:05:00',
        resolved_at: '',
        closed_at: '2024-02-02 00:00:00',
      },
      'change_request',
      'cmdb_ci.name',
    );
    expect(ticket).toMatchObject({
      status: '-2',
      severity: 'LOW',
      priority: '4',
      description: '',
      openedAt: new Date('2024-02-01T08:00:00Z'),
    });
    expect(ticket.assignedTo).toBeUndefined();
    expect(ticket.siteCode).toBeUndefined();
    expect(ticket.labels.closed_at).toBe('2024-02-02T00:00:00.000Z');
    expect(ticket.labels).not.toHaveProperty('category');
  });

  it('refuses a record it cannot key or date, saying which field', () => {
    expect(() => recordKey({ ...INCIDENT, sys_id: '' })).toThrow(
      new ItemError('sys_id is missing'),
    );
    expect(() => recordKey({ ...INCIDENT, sys_updated_on: { value: '15/01/2024' } })).toThrow(
      'sys_updated_on is "15/01/2024", not a yyyy-MM-dd HH:mm:ss time',
    );
    expect(() =>
      serviceNowTicket({ ...INCIDENT, opened_at: 'yesterday' }, 'incident', 'cmdb_ci.name'),
    ).toThrow('opened_at is "yesterday"');
    expect(() => serviceNowTicket({ ...INCIDENT, state: '' }, 'incident', 'x')).toThrow(
      'state is missing',
    );
    expect(() => serviceNowTicket([INCIDENT], 'incident', 'x')).toThrow('is an array');
  });

  it('orders by sys_updated_on then sys_id, as the query does', () => {
    const mark = { updatedOn: '2024-01-15 09:30:00', sysId: '5'.repeat(32) };
    expect(isAfter(undefined, '2000-01-01 00:00:00', '0')).toBe(true);
    expect(isAfter(mark, '2024-01-15 09:30:00', '5'.repeat(32))).toBe(false);
    expect(isAfter(mark, '2024-01-15 09:30:00', '4'.repeat(32))).toBe(false);
    expect(isAfter(mark, '2024-01-15 09:30:00', 'a'.repeat(32))).toBe(true);
    expect(isAfter(mark, '2024-01-15 09:30:01', '0'.repeat(32))).toBe(true);
    expect(isAfter(mark, '2024-01-15 09:29:59', 'f'.repeat(32))).toBe(false);
  });

  it('builds the sync query: watermark second, settled bound, filter, then the cursor order', () => {
    expect(
      syncQuery({ from: '2024-01-15 09:30:00', until: '2024-01-15 10:00:00', filter: 'state!=7' }),
    ).toBe(
      'sys_updated_on>=2024-01-15 09:30:00^sys_updated_on<=2024-01-15 10:00:00^state!=7^ORDERBYsys_updated_on^ORDERBYsys_id',
    );
    expect(syncQuery({ until: '2024-01-15 10:00:00' })).toBe(
      'sys_updated_on<=2024-01-15 10:00:00^ORDERBYsys_updated_on^ORDERBYsys_id',
    );
  });

  it('glide times round-trip in UTC', () => {
    expect(glideTime(Date.parse('2024-01-15T09:30:00.900Z'))).toBe('2024-01-15 09:30:00');
    expect(parseGlideTime('2024-01-15 09:30:00')).toEqual(new Date('2024-01-15T09:30:00Z'));
    expect(parseGlideTime('2024-01-15T09:30:00Z')).toBeUndefined();
  });

  it('reads work notes from a journal display value or a list of entries', () => {
    const journal =
      '2024-01-15 10:05:00 - System Administrator (Work notes)\nSecond note\nwith two lines\n\n' +
      '2024-01-15 10:00:00 - AIOps Integration (Work notes)\nFirst note\n\n';
    expect(workNotesOf({ display_value: journal, value: '' })).toEqual([
      'Second note\nwith two lines',
      'First note',
    ]);
    expect(workNotesOf(journal)).toHaveLength(2);
    expect(workNotesOf([{ value: ' First note ', created_on: 'x' }])).toEqual(['First note']);
    expect(workNotesOf('')).toEqual([]);
    expect(workNotesOf(undefined)).toEqual([]);
  });
});
