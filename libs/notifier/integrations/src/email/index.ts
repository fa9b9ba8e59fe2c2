export { EMAIL_SECRET_FIELDS, EmailConfig, parseEmailConfig } from './email.config';
export {
  EmailIntegration,
  classifySmtpError,
  messageIdFor,
  type EmailTransport,
} from './email.integration';
export {
  EMAIL_LIMITS,
  SEVERITY_COLOURS,
  TASK_STATUS,
  escapeHtml,
  parseProvisioningTasks,
  renderEmail,
  renderSection,
  type ProvisioningTask,
  type RenderedEmail,
  type TaskStatus,
} from './email.templates';
