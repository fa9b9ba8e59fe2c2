export { JiraConfig, parseJiraConfig, SECRET_FIELDS as JIRA_SECRET_FIELDS } from './jira.config';
export {
  idempotencyLabel as jiraIdempotencyLabel,
  JIRA_CELL_MAX,
  JIRA_DESCRIPTION_TEXT_MAX,
  JIRA_MAX_ROWS,
  JIRA_SUMMARY_MAX,
  JiraIntegration,
  toAdf as notificationToAdf,
  type AdfDocument,
  type AdfNode,
  type JiraIssueFields,
} from './jira.integration';
