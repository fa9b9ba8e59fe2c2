import { Topics, type ItsmTicket } from '@telcomesh/contracts';
import {
  EventConsumer,
  PoisonMessageError,
  topicCodec,
  type EventHandlerContext,
} from '@telcomesh/messaging';
import type { ServiceRuntime } from '@telcomesh/platform';
import { inRetryingTransaction } from '../retrying-transaction';
import type { RecomputeOutcome, SlaEngine } from '../sla-runtime/sla-engine';
import type { ServiceClock } from '../time/service-clock';
import { ItsmTicketError, ticketInputOfItsm } from './itsm-ticket-input';
import type { TicketStore } from './ticket-store';

/** Consumer group (and inbox scope) of ticket-sla on itsm.tickets.v1. */
export const ITSM_INTAKE_GROUP = 'ticket-sla.itsm-tickets';

/**
 * Takes tickets from itsm.tickets.v1 (the ingestor's ServiceNow connector): each event is
 * claimed in the inbox, stored and its SLA recomputed in one transaction before the offset
 * moves, so a redelivered event changes nothing. A ticket that cannot be stored goes to the DLQ
 * with the reason.
 */
export class ItsmTicketIntake {
  private consumer: EventConsumer<ItsmTicket> | undefined;

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly tickets: TicketStore,
    private readonly engine: SlaEngine,
    private readonly clock: ServiceClock,
    private readonly options: { system: string; tenantId: string },
  ) {}

  async start(): Promise<void> {
    this.consumer = new EventConsumer<ItsmTicket>({
      transport: this.runtime.transport,
      codec: topicCodec(Topics.ItsmTickets),
      groupId: ITSM_INTAKE_GROUP,
      maxRetries: this.runtime.config.CONSUMER_MAX_RETRIES,
      metrics: this.runtime.metrics,
      logger: this.runtime.logger,
      handle: (ticket, context) => this.take(ticket, context),
    });
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }

  private async take(ticket: ItsmTicket, context: EventHandlerContext): Promise<void> {
    let input;
    try {
      input = ticketInputOfItsm(ticket, this.options.system, this.options.tenantId);
    } catch (error) {
      if (error instanceof ItsmTicketError) throw new PoisonMessageError(error.message);
      throw error;
    }
    const eventId = context.envelope.ce_id;
    const outcome = await inRetryingTransaction<RecomputeOutcome | undefined>(
      this.runtime.dataSource,
      async (manager) => {
        if (!(await this.runtime.inbox.claim(manager, ITSM_INTAKE_GROUP, eventId)))
          return undefined;
        const now = this.clock.now();
        const ids = await this.tickets.upsert(manager, [input], now);
        return this.engine.recompute(manager, ids, now);
      },
    );
    if (outcome !== undefined) this.engine.schedule(outcome);
  }
}
