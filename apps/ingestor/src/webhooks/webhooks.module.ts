import { Module } from '@nestjs/common';
import { SourcesModule } from '../sources/sources.module';
import { AlarmIntake } from './alarm-intake';
import { AlarmWebhookController } from './alarm-webhook.controller';
import { SourceWebhookController } from './source-webhook.controller';
import { SourceWebhookIntake } from './source-webhook-intake';

/** The older alarm webhook (bearer token) and the signed per-source webhooks. */
@Module({
  imports: [SourcesModule],
  controllers: [AlarmWebhookController, SourceWebhookController],
  providers: [AlarmIntake, SourceWebhookIntake],
})
export class WebhooksModule {}
