import { Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { Topics } from '@telcomesh/contracts';
import { SERVICE_RUNTIME, type ServiceDefinition, type ServiceRuntime } from '@telcomesh/platform';
import { BiController } from './bi/bi.controller';
import { AgentsController } from './http/agents.controller';
import { SlaCatalogController } from './http/sla-catalog.controller';
import { TicketsController } from './http/tickets.controller';
import { TicketsAndSla1763800000700 } from './migrations/1763800000700-tickets-and-sla';
import { TicketSlaCore } from './ticket-sla-core';
import { TicketSlaConfig } from './ticket-sla.config';

@Module({
  controllers: [AgentsController, BiController, SlaCatalogController, TicketsController],
  providers: [
    {
      provide: TicketSlaCore,
      inject: [SERVICE_RUNTIME],
      useFactory: (runtime: ServiceRuntime<TicketSlaConfig>) => new TicketSlaCore(runtime),
    },
  ],
})
export class TicketSlaModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(TicketSlaCore) private readonly core: TicketSlaCore,
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.core.start(this.http.httpAdapter.getHttpServer() as Server);
  }

  /**
   * Before the HTTP server closes (Nest closes it ahead of the shutdown hooks): agent websockets
   * are upgraded connections of that server, and it would wait for them forever.
   */
  async onModuleDestroy(): Promise<void> {
    await this.core.stop();
  }
}

export const ticketSlaService: ServiceDefinition<TicketSlaConfig> = {
  name: 'ticket-sla',
  title: 'TelcoMesh ticket SLA',
  description:
    'Real-time SLA monitoring of trouble tickets (seed 001): remote agents over a websocket (/agents) and itsm.tickets.v1, SLA clocks with business calendars and events at each crossing on sla.events.v1, breach causes by department, and the BI API (/bi).',
  configClass: TicketSlaConfig,
  module: TicketSlaModule,
  migrations: [TicketsAndSla1763800000700],
  topics: [Topics.SlaEvents, Topics.ItsmTickets, Topics.ConfigChanges],
};
