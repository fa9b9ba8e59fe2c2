export {
  parseZendeskConfig,
  SECRET_FIELDS as ZENDESK_SECRET_FIELDS,
  ZENDESK_PRIORITIES,
  ZENDESK_TICKET_TYPES,
  ZendeskConfig,
  ZendeskTicketTemplate,
  type ZendeskPriority,
  type ZendeskTicketType,
} from './zendesk.config';
export {
  renderTemplate as renderZendeskTemplate,
  ZENDESK_COMMENT_MAX,
  ZENDESK_SUBJECT_MAX,
  ZendeskIntegration,
  type ZendeskTicketPayload,
} from './zendesk.integration';
