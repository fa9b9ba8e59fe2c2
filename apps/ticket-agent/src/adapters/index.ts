import type { TicketSystemAdapter } from '../ticket-system-adapter';
import { JiraTicketAdapter } from './jira-ticket.adapter';
import { RestTicketAdapter } from './rest-ticket.adapter';
import { ServiceNowTicketAdapter } from './servicenow-ticket.adapter';
import type { TicketAdapterDeps } from './ticket-http-client';
import { TicketSystemError } from './ticket-system-error';

export { JiraTicketAdapter } from './jira-ticket.adapter';
export {
  JiraTicketAdapterConfig,
  JIRA_SECRET_FIELDS,
  parseJiraTicketAdapterConfig,
} from './jira-ticket.config';
export { ServiceNowTicketAdapter } from './servicenow-ticket.adapter';
export {
  ServiceNowTicketAdapterConfig,
  SERVICENOW_SECRET_FIELDS,
  parseServiceNowTicketAdapterConfig,
} from './servicenow-ticket.config';
export { RestTicketAdapter } from './rest-ticket.adapter';
export {
  RestPagingConfig,
  RestTicketAdapterConfig,
  RestTicketFieldMapping,
  REST_SECRET_FIELDS,
  parseRestTicketAdapterConfig,
} from './rest-ticket.config';
export { TicketHttpSettings } from './ticket-adapter.config';
export {
  silentTicketLogger,
  systemTicketClock,
  type TicketAdapterDeps,
  type TicketAdapterLogger,
  type TicketClock,
} from './ticket-http-client';
export {
  TicketRecordError,
  TicketSystemError,
  type TicketSystemErrorCode,
} from './ticket-system-error';

/**
 * The adapter a config object describes, by its `type`: `jira`, `servicenow` or `rest`. The
 * config is validated; a bad one throws a `config` TicketSystemError naming every bad field.
 */
export function createTicketSystemAdapter(
  config: unknown,
  deps: TicketAdapterDeps = {},
): TicketSystemAdapter {
  const type = (config as { type?: unknown } | null)?.type;
  switch (type) {
    case 'jira':
      return new JiraTicketAdapter(config, deps);
    case 'servicenow':
      return new ServiceNowTicketAdapter(config, deps);
    case 'rest':
      return new RestTicketAdapter(config, deps);
    default:
      throw new TicketSystemError(
        'ticket-agent',
        'config',
        `invalid ticket system config: type must be jira, servicenow or rest`,
      );
  }
}
