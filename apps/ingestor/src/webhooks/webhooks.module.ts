import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { SourcesModule } from '../sources/sources.module';
import { AlarmIntake } from './alarm-intake';
import { AlarmWebhookController } from './alarm-webhook.controller';
import { keepSignedBodiesRaw } from './raw-webhook-body';
import { SourceWebhookController } from './source-webhook.controller';
import { SourceWebhookIntake } from './source-webhook-intake';

/** The older alarm webhook (bearer token) and the signed per-source webhooks. */
@Module({
  imports: [SourcesModule],
  controllers: [AlarmWebhookController, SourceWebhookController],
  providers: [AlarmIntake, SourceWebhookIntake],
})
export class WebhooksModule implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) keepSignedBodiesRaw(server);
  }
}
