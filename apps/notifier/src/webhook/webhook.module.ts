import { Module } from '@nestjs/common';
import { WebhookDelivery } from './webhook-delivery';

@Module({ providers: [WebhookDelivery] })
export class WebhookModule {}
