import { TicketStatus } from '@telcomesh/contracts';
import { ticketStatusOf } from './ticket-fields';

describe('ticketStatusOf', () => {
  it('reads a state number on its own table: 3 is On Hold, Closed or Closed Complete', () => {
    expect(ticketStatusOf('3', 'incident')).toBe(TicketStatus.ON_HOLD);
    expect(ticketStatusOf('3', 'change_request')).toBe(TicketStatus.CLOSED);
    expect(ticketStatusOf('3', 'sc_request')).toBe(TicketStatus.CLOSED);
    expect(ticketStatusOf('3', 'problem')).toBe(TicketStatus.IN_PROGRESS);
  });

  it.each([
    ['change_request', '-5', TicketStatus.NEW],
    ['change_request', '-4', TicketStatus.IN_PROGRESS],
    ['change_request', '-1', TicketStatus.IN_PROGRESS],
    ['change_request', '0', TicketStatus.RESOLVED],
    ['change_request', '4', TicketStatus.CANCELED],
    ['problem', '101', TicketStatus.NEW],
    ['problem', '103', TicketStatus.IN_PROGRESS],
    ['problem', '106', TicketStatus.RESOLVED],
    ['problem', '107', TicketStatus.CLOSED],
    ['sc_req_item', '1', TicketStatus.NEW],
    ['sc_req_item', '4', TicketStatus.CANCELED],
    ['sc_request', '7', TicketStatus.CANCELED],
    ['incident', '6', TicketStatus.RESOLVED],
    ['incident', '8', TicketStatus.CANCELED],
  ])('%s state %s', (table, state, expected) => {
    expect(ticketStatusOf(state, table)).toBe(expected);
  });

  it.each([
    ['Assess', TicketStatus.IN_PROGRESS],
    ['Authorize', TicketStatus.IN_PROGRESS],
    ['Scheduled', TicketStatus.IN_PROGRESS],
    ['Implement', TicketStatus.IN_PROGRESS],
    ['Review', TicketStatus.RESOLVED],
    ['Root Cause Analysis', TicketStatus.IN_PROGRESS],
    ['Fix in Progress', TicketStatus.IN_PROGRESS],
    ['Closed Skipped', TicketStatus.CANCELED],
    ['  In Progress ', TicketStatus.IN_PROGRESS],
  ])('label %s, whatever the table', (label, expected) => {
    expect(ticketStatusOf(label, 'change_request')).toBe(expected);
    expect(ticketStatusOf(label, 'problem')).toBe(expected);
  });

  it('reads numbers as an incident’s when the table is unknown, and names nothing it does not know', () => {
    expect(ticketStatusOf('3')).toBe(TicketStatus.ON_HOLD);
    expect(ticketStatusOf('3', 'x_custom_ticket')).toBe(TicketStatus.ON_HOLD);
    expect(ticketStatusOf('42', 'change_request')).toBe(TicketStatus.UNSPECIFIED);
    expect(ticketStatusOf('Escalated', 'incident')).toBe(TicketStatus.UNSPECIFIED);
  });
});
