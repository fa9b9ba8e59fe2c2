export { WebhookSink, type ReceivedWebhook, type WebhookSinkOptions } from './webhook-sink';
export { generateAlarm, type GeneratedAlarm } from './alarm-generator';
export { startServiceProcess, type ServiceProcess } from './service-process';
export {
  SmtpSimulator,
  type ReceivedMail,
  type SmtpSimulatorOptions,
} from './simulators/smtp.simulator';
