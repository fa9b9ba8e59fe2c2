import type { DataSource } from 'typeorm';
import type { TaskResultMessage } from '@telcomesh/ticket-agent-protocol';
import { inRetryingTransaction } from '../retrying-transaction';
import type { RecomputeOutcome, SlaEngine } from '../sla-runtime/sla-engine';
import { ticketInputOfAgent, type RejectedTicket, type TicketInput } from '../tickets/ticket-input';
import type { TicketStore } from '../tickets/ticket-store';
import type { ServiceClock } from '../time/service-clock';
import type { AgentDirectory } from './agent-directory';

export interface AppliedResult {
  /** The result id was stored before: nothing changed this time (it is acked again). */
  duplicate: boolean;
  applied: number;
  rejected: RejectedTicket[];
}

/**
 * Stores one `task_result` chunk exactly once: the result id, the tickets and their transitions,
 * the SLA recomputation and its events are one transaction, and a result id already stored
 * changes nothing. The caller acks after this returns, so an ack always means "stored".
 * A ticket that cannot be stored is refused alone, with its reason kept beside the result.
 */
export class AgentResults {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketStore,
    private readonly engine: SlaEngine,
    private readonly directory: AgentDirectory,
    private readonly clock: ServiceClock,
    private readonly tenantId: string,
  ) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.table = `"${schema}"."agent_results"`;
  }

  async apply(
    agent: { agentId: string; system: string },
    result: TaskResultMessage,
  ): Promise<AppliedResult> {
    const inputs: TicketInput[] = [];
    const rejected: RejectedTicket[] = [];
    for (const ticket of result.tickets) {
      const input = ticketInputOfAgent(ticket, agent.system, this.tenantId);
      if ('reason' in input) rejected.push(input);
      else inputs.push(input);
    }
    const outcome = await inRetryingTransaction<RecomputeOutcome | null>(
      this.dataSource,
      async (manager) => {
        const claimed = await manager.query<unknown[]>(
          `INSERT INTO ${this.table} ("result_id", "task_id", "agent_id", "chunk", "final", "tickets", "applied", "rejected", "skipped")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)
         ON CONFLICT ("result_id") DO NOTHING RETURNING 1`,
          [
            result.resultId,
            result.taskId,
            agent.agentId,
            result.chunk,
            result.final,
            result.tickets.length,
            inputs.length,
            JSON.stringify(rejected),
            JSON.stringify(result.skipped ?? []),
          ],
        );
        if (claimed.length === 0) return null;
        const now = this.clock.now();
        const ids = await this.tickets.upsert(manager, inputs, now);
        await this.directory.countResult(manager, agent.agentId);
        return this.engine.recompute(manager, ids, now);
      },
    );
    if (outcome === null) return { duplicate: true, applied: 0, rejected: [] };
    this.engine.schedule(outcome);
    return { duplicate: false, applied: inputs.length, rejected };
  }
}
