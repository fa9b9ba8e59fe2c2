import { randomUUID } from 'node:crypto';
import {
  checkAgentTicket,
  encode,
  packResultChunks,
  PROTOCOL_VERSION,
  ProtocolError,
  ticketKeyOf,
  type AgentTicket,
  type ResultChunkContent,
  type SkippedTicket,
  type TaskFailedMessage,
  type TaskMessage,
  type TaskResultMessage,
} from '@telcomesh/ticket-agent-protocol';
import type { AgentLogger } from '../agent-logger';
import type { TicketSystemAdapter } from '../ticket-system-adapter';
import type { AgentClock } from './agent-clock';

/** Where finished chunks go: the durable outbox in the agent, an array in tests. */
export interface ResultSink {
  append(resultId: string, message: string): Promise<void>;
}

export interface TaskRunnerOptions {
  adapter: TicketSystemAdapter;
  sink: ResultSink;
  logger: AgentLogger;
  clock: AgentClock;
  maxMessageBytes: number;
  maxConcurrentTasks: number;
  /** Called after each chunk is stored, so the connection can send it. */
  onResultStored?: (resultId: string) => void;
  newResultId?: () => string;
}

class TaskDeadlineError extends Error {
  override name = 'TaskDeadlineError';
}

class AgentStoppingError extends Error {
  override name = 'AgentStoppingError';
}

/** Rejects with the signal's reason once it aborts, even if the adapter ignores the signal. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * Runs tasks through the ticket-system adapter and turns what it reads into `task_result` chunks
 * in the sink. Tasks outlive connections: a chunk stored while the server is unreachable is sent
 * after the reconnect. Bad tickets from the adapter are skipped with a reason, never fatal.
 */
export class TaskRunner {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly options: TaskRunnerOptions) {}

  get active(): number {
    return this.running.size;
  }

  /**
   * Runs one task to its end. Resolves with the `task_failed` to send when it failed or was
   * refused, with nothing when it succeeded, was a duplicate, or the agent is stopping.
   * `serverOffsetMs` (server clock − agent clock) reads the deadline in server time.
   */
  async run(task: TaskMessage, serverOffsetMs = 0): Promise<TaskFailedMessage | undefined> {
    const { adapter, clock, logger, maxConcurrentTasks } = this.options;
    const failed = (reason: string, retryable: boolean): TaskFailedMessage => {
      logger.warn({ taskId: task.taskId, kind: task.kind, reason, retryable }, 'task failed');
      return { v: PROTOCOL_VERSION, type: 'task_failed', taskId: task.taskId, reason, retryable };
    };
    if (this.running.has(task.taskId)) {
      logger.debug({ taskId: task.taskId }, 'task already running; duplicate ignored');
      return undefined;
    }
    if (task.system !== adapter.system) {
      return failed(`this agent reads ${adapter.system}, the task is for ${task.system}`, false);
    }
    if (this.running.size >= maxConcurrentTasks) {
      return failed(
        `agent busy: ${this.running.size} tasks running (limit ${maxConcurrentTasks})`,
        true,
      );
    }
    const remainingMs = Date.parse(task.deadline) - serverOffsetMs - clock.now();
    if (remainingMs <= 0)
      return failed(`deadline ${task.deadline} passed before the task started`, false);

    const controller = new AbortController();
    this.running.set(task.taskId, controller);
    const timer = clock.setTimeout(
      () => controller.abort(new TaskDeadlineError(`deadline ${task.deadline} passed`)),
      remainingMs,
    );
    const progress = { chunks: 0, tickets: 0, skipped: 0 };
    logger.info({ taskId: task.taskId, kind: task.kind, deadline: task.deadline }, 'task started');
    try {
      await this.produce(task, controller.signal, progress);
      logger.info({ taskId: task.taskId, ...progress }, 'task done');
      return undefined;
    } catch (error) {
      if (error instanceof AgentStoppingError) {
        logger.info({ taskId: task.taskId, ...progress }, 'task abandoned: agent stopping');
        return undefined;
      }
      if (error instanceof TaskDeadlineError) {
        return failed(`${error.message} after ${progress.chunks} chunk(s)`, true);
      }
      const reason = error instanceof Error ? error.message : String(error);
      return failed(`${adapter.system} ${task.kind} failed: ${reason}`, true);
    } finally {
      clock.clearTimeout(timer);
      this.running.delete(task.taskId);
    }
  }

  /** Abandons every running task (shutdown); their stored chunks stay in the outbox. */
  stopAll(): void {
    for (const controller of this.running.values()) {
      controller.abort(new AgentStoppingError('agent stopping'));
    }
  }

  private async produce(
    task: TaskMessage,
    signal: AbortSignal,
    progress: { chunks: number; tickets: number; skipped: number },
  ): Promise<void> {
    const { adapter, maxMessageBytes } = this.options;
    switch (task.kind) {
      case 'search': {
        // Pages go out as they arrive (the server sees progress, the agent holds little); the
        // end of the search is a closing chunk with `final: true`, empty when nothing is left.
        const iterator = adapter.search(task.query, signal)[Symbol.asyncIterator]();
        try {
          for (;;) {
            const next = await abortable(iterator.next(), signal);
            if (next.done) break;
            for (const content of this.toChunks(next.value, maxMessageBytes)) {
              await this.store(task, progress, content, false);
            }
          }
        } finally {
          if (signal.aborted) void iterator.return?.().catch(() => undefined);
        }
        if (signal.aborted) throw signal.reason;
        await this.store(task, progress, { tickets: [], skipped: [] }, true);
        return;
      }
      case 'fetch': {
        const tickets = await abortable(adapter.fetch(task.keys, signal), signal);
        const chunks = this.toChunks(tickets, maxMessageBytes);
        if (chunks.length === 0) chunks.push({ tickets: [], skipped: [] });
        for (const [index, content] of chunks.entries()) {
          await this.store(task, progress, content, index === chunks.length - 1);
        }
        return;
      }
    }
  }

  private toChunks(page: readonly unknown[], maxBytes: number): ResultChunkContent[] {
    const tickets: AgentTicket[] = [];
    const skipped: SkippedTicket[] = [];
    for (const raw of page) {
      const checked = checkAgentTicket(raw);
      if (checked instanceof ProtocolError) {
        const key = ticketKeyOf(raw);
        skipped.push({ key, reason: checked.reason });
        this.options.logger.warn(
          { key, reason: checked.reason },
          'adapter produced an invalid ticket; skipped',
        );
      } else tickets.push(checked);
    }
    return packResultChunks(tickets, skipped, maxBytes);
  }

  private async store(
    task: TaskMessage,
    progress: { chunks: number; tickets: number; skipped: number },
    content: ResultChunkContent,
    final: boolean,
  ): Promise<void> {
    const resultId = (this.options.newResultId ?? randomUUID)();
    const message: TaskResultMessage = {
      v: PROTOCOL_VERSION,
      type: 'task_result',
      taskId: task.taskId,
      resultId,
      chunk: progress.chunks,
      final,
      tickets: content.tickets,
    };
    if (content.skipped.length > 0) message.skipped = content.skipped;
    await this.options.sink.append(resultId, encode(message, this.options.maxMessageBytes));
    progress.chunks++;
    progress.tickets += content.tickets.length;
    progress.skipped += content.skipped.length;
    this.options.onResultStored?.(resultId);
  }
}
