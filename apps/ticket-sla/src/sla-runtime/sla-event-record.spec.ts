import { fromBinary } from '@bufbuild/protobuf';
import {
  durationMs,
  SlaEventSchema,
  SlaEventType,
  timestampMs,
  Topics,
} from '@telcomesh/contracts';
import { slaEventRecord } from './sla-event-record';
import type { SlaEventDraft, SlaTicketInfo } from './sla-outcome';

const MIN = 60_000;
const ticket: SlaTicketInfo = {
  id: 'b1c6f0de-8a9e-4a57-9d0e-1d2f3a4b5c6d',
  tenantId: 'towerco',
  system: 'jira',
  key: 'NOC-42',
  title: 'Fibre cut',
  priority: 'P1',
  category: 'Network',
  customer: 'Acme',
  department: 'Field',
  url: 'https://jira.example/browse/NOC-42',
  createdAt: 0,
};

const breach: SlaEventDraft = {
  eventId: '6a1f7c2e-0b1d-5e3f-9a4b-1c2d3e4f5a6b',
  kind: 'breached',
  target: 'resolution',
  share: 1,
  occurredAt: Date.parse('2025-03-03T10:00:00Z'),
  policyId: 'p1',
  policyName: 'P1 resolution 100 min',
  targetMs: 100 * MIN,
  elapsedMs: 100 * MIN,
  dueAt: Date.parse('2025-03-03T10:00:00Z'),
  breachDepartment: 'Field',
  departmentsByTime: [
    { department: 'NOC', businessMs: 70 * MIN },
    { department: 'Field', businessMs: 30 * MIN },
  ],
};

describe('slaEventRecord', () => {
  it('keys the record by ticket, uses the event id as ce_id, and fills the proto', () => {
    const record = slaEventRecord(ticket, breach);
    expect(record).toMatchObject({ topic: Topics.SlaEvents.name, key: ticket.id });
    expect(record.headers).toMatchObject({
      ce_id: breach.eventId,
      ce_tenant: 'towerco',
      ce_time: '2025-03-03T10:00:00.000Z',
    });
    const event = fromBinary(SlaEventSchema, record.value);
    expect(event).toMatchObject({
      eventId: breach.eventId,
      ticketId: ticket.id,
      ticketKey: 'NOC-42',
      ticketSystem: 'jira',
      type: SlaEventType.BREACHED,
      slaName: 'P1 resolution 100 min',
      department: 'Field',
      // The proto's breach department: the one that held the ticket longest.
      breachDepartment: 'NOC',
    });
    expect(event.metadata).toEqual({
      target: 'resolution',
      policy_id: 'p1',
      threshold: '1',
      customer: 'Acme',
      category: 'Network',
      departments_by_time: `NOC=${70 * MIN};Field=${30 * MIN}`,
      holding_department: 'Field',
    });
    expect(durationMs(event.target!)).toBe(100 * MIN);
    expect(timestampMs(event.occurredAt!)).toBe(breach.occurredAt);
  });

  it('leaves breach_department empty on other events', () => {
    const paused = fromBinary(
      SlaEventSchema,
      slaEventRecord(ticket, { ...breach, kind: 'paused', share: null }).value,
    );
    expect(paused.type).toBe(SlaEventType.PAUSED);
    expect(paused.breachDepartment).toBe('');
    expect(paused.metadata.holding_department).toBeUndefined();
  });
});
