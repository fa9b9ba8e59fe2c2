export {
  classifyResponse,
  retryAfterMs,
  truncate,
  type DeliveryOutcome,
  type HttpResponse,
  type HttpSend,
  type Integration,
  type IntegrationHealth,
  type OutboundRequest,
} from './integration';
export { fetchHttpSend } from './fetch-http';
export type { Notification, NotificationSeverity } from './notification';
export * from './email';
export { parseSlackConfig, SlackConfig, SLACK_SECRET_FIELDS } from './slack/slack.config';
export {
  escapeMrkdwn,
  SLACK_LIMITS,
  SlackIntegration,
  slackMention,
  type SlackBlock,
  type SlackMessage,
  type SlackTextObject,
} from './slack/slack.integration';
export { DISCORD_SECRET_FIELDS, DiscordConfig, parseDiscordConfig } from './discord/discord.config';
export {
  DISCORD_COLORS,
  DISCORD_LIMITS,
  DiscordIntegration,
  discordMentions,
  discordRetryAfterMs,
  embedTextLength,
  type DiscordAllowedMentions,
  type DiscordEmbed,
  type DiscordMessage,
} from './discord/discord.integration';
export { parseTeamsConfig, TEAMS_SECRET_FIELDS, TeamsConfig } from './teams/teams.config';
export {
  TEAMS_MAX_PAYLOAD_BYTES,
  TeamsIntegration,
  type AdaptiveCard,
  type AdaptiveFactSet,
  type AdaptiveTextBlock,
  type TeamsMessage,
} from './teams/teams.integration';
export {
  parseWebhookConfig,
  RESERVED_WEBHOOK_HEADERS,
  WEBHOOK_SECRET_FIELDS,
  WebhookConfig,
} from './webhook/webhook.config';
export { signStandardWebhook, WebhookIntegration } from './webhook/webhook.integration';
export {
  deliverEach,
  describeError,
  IsHttpUrl,
  isHttpUrl,
  IsStringMap,
  IsUrlMap,
  parseIntegrationConfig,
  redactWebhookUrl,
  sendSafely,
  subjectMatcher,
} from './webhook/integration-support';
export { parseSplunkConfig, SPLUNK_SECRET_FIELDS, SplunkConfig } from './splunk/splunk.config';
export { HEC_CODES, SplunkIntegration, type SplunkHecEvent } from './splunk/splunk.integration';
export {
  EVENT_TYPE_PATTERN,
  NEWRELIC_SECRET_FIELDS,
  NewRelicConfig,
  parseNewRelicConfig,
} from './newrelic/newrelic.config';
export {
  attributeName,
  DEFAULT_EVENT_TYPE,
  NEWRELIC_COLLECTORS,
  NEWRELIC_LIMITS,
  NewRelicIntegration,
  type NewRelicEvent,
} from './newrelic/newrelic.integration';
export {
  PAGERDUTY_SECRET_FIELDS,
  PagerDutyConfig,
  parsePagerDutyConfig,
} from './pagerduty/pagerduty.config';
export {
  dedupKey,
  PAGERDUTY_EVENTS_URL,
  PAGERDUTY_LIMITS,
  PAGERDUTY_SEVERITY,
  PagerDutyIntegration,
  type PagerDutyEvent,
  type PagerDutyResolveEvent,
  type PagerDutySeverity,
  type PagerDutyTriggerEvent,
} from './pagerduty/pagerduty.integration';
export * from './zendesk';
export * from './jira';
export * from './servicenow';
export * from './github';
export * from './gitlab';
export * from './jenkins';
export {
  builtInIntegrations,
  IntegrationCatalog,
  integrationKind,
  type IntegrationDeps,
  type IntegrationKind,
} from './catalog';
