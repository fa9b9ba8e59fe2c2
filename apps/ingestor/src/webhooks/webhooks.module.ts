import { Module } from '@nestjs/common';
import { AlarmIntake } from './alarm-intake';
import { AlarmWebhookController } from './alarm-webhook.controller';

@Module({ controllers: [AlarmWebhookController], providers: [AlarmIntake] })
export class WebhooksModule {}
