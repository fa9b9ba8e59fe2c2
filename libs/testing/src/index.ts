export { WebhookSink, type ReceivedWebhook, type WebhookSinkOptions } from './webhook-sink';
export { generateAlarm, type GeneratedAlarm } from './alarm-generator';
export { startServiceProcess, type ServiceProcess } from './service-process';
export {
  SmtpSimulator,
  type ReceivedMail,
  type SmtpSimulatorOptions,
} from './simulators/smtp.simulator';
export {
  SimulatorServer,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulators/simulator-server';
export {
  SlackSimulator,
  slackMessageError,
  type SlackReceivedMessage,
} from './simulators/slack.simulator';
export {
  DiscordSimulator,
  discordMessageError,
  type DiscordReceivedMessage,
} from './simulators/discord.simulator';
export {
  TEAMS_MESSAGE_LIMIT_BYTES,
  TeamsSimulator,
  teamsMessageError,
  type TeamsReceivedCard,
} from './simulators/teams.simulator';
export {
  StandardWebhookSimulator,
  verifyStandardWebhook,
  type StandardWebhookReceived,
  type StandardWebhookSimulatorOptions,
} from './simulators/webhook.simulator';
export {
  SplunkSimulator,
  splitConcatenatedJson,
  type SplunkReceivedEvent,
  type SplunkSimulatorOptions,
} from './simulators/splunk.simulator';
export {
  NewRelicSimulator,
  newRelicEventProblem,
  type NewRelicReceivedEvent,
  type NewRelicSimulatorOptions,
} from './simulators/newrelic.simulator';
export {
  PagerDutySimulator,
  pagerDutyEventErrors,
  type PagerDutyAlertState,
  type PagerDutyReceivedEvent,
} from './simulators/pagerduty.simulator';
