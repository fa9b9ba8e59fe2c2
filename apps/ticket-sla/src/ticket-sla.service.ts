import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@telcomesh/platform';
import { TicketSlaConfig } from './ticket-sla.config';

/** Feature modules of the ticket-sla land here as their issues are built. */
@Module({})
export class TicketSlaModule {}

export const ticketSlaService: ServiceDefinition<TicketSlaConfig> = {
  name: 'ticket-sla',
  title: 'TelcoMesh ticket SLA',
  description:
    'Real-time SLA monitoring of trouble tickets through remote agents; breach causes by department.',
  configClass: TicketSlaConfig,
  module: TicketSlaModule,
};
