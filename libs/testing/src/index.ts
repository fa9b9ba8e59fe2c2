export { WebhookSink, type ReceivedWebhook, type WebhookSinkOptions } from './webhook-sink';
export { generateAlarm, type GeneratedAlarm } from './alarm-generator';
export { startServiceProcess, type ServiceProcess } from './service-process';
