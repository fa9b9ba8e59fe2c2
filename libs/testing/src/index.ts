export { WebhookSink, type ReceivedWebhook, type WebhookSinkOptions } from './webhook-sink';
export { FaultyReceiver, type Fault, type ReceivedRequest } from './faulty-receiver';
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
export {
  ZendeskSimulator,
  type ZendeskSimulatorOptions,
  type ZendeskSimulatedTicket,
  type ZendeskRecordedRequest,
} from './simulators/zendesk.simulator';
export {
  JiraSimulator,
  JqlError,
  parseJql,
  parseJqlDate,
  type JiraSimulatorOptions,
  type JiraSimulatedIssue,
  type JiraRecordedRequest,
  type JiraOAuthOptions,
  type JiraTicketGeneration,
  type JiraGroundTruthTransition,
  type JiraSimulatedHistory,
  type JiraSimulatedChange,
  type JqlNode,
  type JqlQuery,
} from './simulators/jira.simulator';
export {
  ServiceNowSimulator,
  EncodedQueryError,
  parseEncodedQuery,
  selectRows,
  type ServiceNowSimulatorOptions,
  type ServiceNowSimulatedIncident,
  type ServiceNowJournalEntry,
  type ServiceNowRecordedRequest,
  type ServiceNowOAuthOptions,
  type ServiceNowRecordGeneration,
  type ServiceNowSavedFilter,
  type ServiceNowSimulatedRecord,
  type ServiceNowAuditRow,
  type ServiceNowGroundTruthTransition,
  type EncodedQuery,
  type EncodedCondition,
  type EncodedOperator,
} from './simulators/servicenow.simulator';
export {
  GitHubSimulator,
  type GitHubSimulatorOptions,
  type GitHubSimulatedIssue,
  type GitHubSimulatedDispatch,
  type GitHubSimulatedWorkflow,
  type GitHubRecordedRequest,
} from './simulators/github.simulator';
export {
  GitLabSimulator,
  type GitLabSimulatorOptions,
  type GitLabSimulatedIssue,
  type GitLabSimulatedPipeline,
  type GitLabRecordedRequest,
} from './simulators/gitlab.simulator';
export {
  JenkinsSimulator,
  type JenkinsSimulatorOptions,
  type JenkinsSimulatedJob,
  type JenkinsSimulatedQueueItem,
  type JenkinsSimulatedBuild,
  type JenkinsRecordedRequest,
} from './simulators/jenkins.simulator';
export {
  CGRATES_ZERO_TIME,
  CgratesSimulator,
  parseGoDuration,
  type CgratesAccount,
  type CgratesBalance,
  type CgratesBalanceType,
  type CgratesCall,
  type CgratesFailure,
  type CgratesSimulatedAccount,
  type CgratesSimulatorOptions,
} from './simulators/cgrates';
export {
  HssSimulator,
  type HssOperation,
  type HssSimulatorOptions,
  type HssSubscriber,
  type HssSubscriberView,
} from './simulators/hss';
export {
  SmsGatewaySimulator,
  type SmsGatewayMessage,
  type SmsGatewaySimulatorOptions,
} from './simulators/sms-gateway';
export * from './ami/ami-server';
export * from './cccp';
export * from './oss';
export { eventually } from './eventually';
export * from './contact-centre';
export * from './iot';
