import { randomUUID } from 'node:crypto';
import {
  PROTOCOL_VERSION,
  type TaskMessage,
  type TaskQuery,
} from '@telcomesh/ticket-agent-protocol';
import type { ServiceClock, TimerHandle } from '../time/service-clock';

/** An authenticated agent connection the dispatcher may give tasks to. */
export interface AgentLink {
  sessionId: string;
  agentId: string;
  system: string;
  /** False when the connection cannot take it (closed meanwhile). */
  send(task: TaskMessage): boolean;
}

/** A saved filter searched every interval (the seed's FILTER_ARREARS, FILTER_STOPPED...). */
export interface DispatchFilter {
  /** Name in logs and the API: "arrears", "stopped", "open". */
  name: string;
  filterId: string;
  /** Search only tickets updated since the last completed run (minus the overlap). */
  incremental: boolean;
}

export interface TaskDispatcherOptions {
  intervalMs: number;
  taskTimeoutMs: number;
  maxAttempts: number;
  /** Wait after the deadline for the last chunks in flight before giving a task up. */
  graceMs: number;
  /** Keys per fetch task (the protocol allows up to 1000). */
  fetchBatch: number;
}

export interface TaskDispatcherHooks {
  /** Whether this replica dispatches for `system` now (a lease; one replica per system). */
  mayDispatch(system: string): Promise<boolean>;
  /** Open tickets of `system` gone quiet (left the filters): fetched by key. */
  staleKeys(system: string, limit: number): Promise<string[]>;
  /** A task finished (every chunk stored) or failed on an agent. */
  counted(agentId: string, outcome: 'done' | 'failed'): void;
  log(level: 'debug' | 'info' | 'warn', context: Record<string, unknown>, message: string): void;
}

type TaskSpec =
  { kind: 'search'; filter: DispatchFilter; query: TaskQuery } | { kind: 'fetch'; keys: string[] };

interface DispatchedTask {
  /** One per system and filter (or fetch): at most one in flight. */
  slot: string;
  system: string;
  spec: TaskSpec;
  /** The current attempt's id; a retry gets a new one. */
  taskId: string;
  attempt: number;
  agentId: string;
  sessionId: string;
  tried: Set<string>;
  sentAt: number;
  deadline: number;
  timer: TimerHandle | undefined;
  chunks: Set<number>;
  finalChunk: number | undefined;
}

/** A task in flight, for the API. */
export interface TaskView {
  taskId: string;
  system: string;
  kind: 'search' | 'fetch';
  filter: string | null;
  keys: number;
  agentId: string;
  attempt: number;
  sentAt: Date;
  deadline: Date;
  chunks: number;
}

/**
 * Hands the seed's periodic work to agents: every interval, for each ticket system with a
 * connected agent, a search of each filter and a fetch of open tickets gone quiet. Each task goes
 * to one agent (the least busy, one not tried yet), at most one per filter and system is in
 * flight, and a task not finished by its deadline — or failed as retryable — is sent again, with
 * a new id, to another agent, up to `maxAttempts`. Results count towards a task by its id, from
 * whichever connection they arrive on (an agent resends after reconnecting).
 */
export class TaskDispatcher {
  private readonly links = new Map<string, AgentLink>();
  private readonly tasks = new Map<string, DispatchedTask>();
  private readonly slots = new Map<string, DispatchedTask>();
  /** Per system and incremental filter: start of the last completed search. */
  private readonly syncedSince = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private ticking: Promise<void> = Promise.resolve();
  /** Set by `stop`; a round in progress then sends nothing more. */
  private stopped = false;
  private turn = 0;

  constructor(
    private readonly clock: ServiceClock,
    private readonly filters: readonly DispatchFilter[],
    private readonly hooks: TaskDispatcherHooks,
    private readonly options: TaskDispatcherOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    await this.ticking;
    for (const task of this.tasks.values()) {
      if (task.timer !== undefined) this.clock.clearTimeout(task.timer);
    }
    this.tasks.clear();
    this.slots.clear();
  }

  agentConnected(link: AgentLink): void {
    this.links.set(link.sessionId, link);
  }

  /** Its tasks stay assigned until their deadline: the agent keeps working and resends after reconnecting. */
  agentDisconnected(sessionId: string): void {
    this.links.delete(sessionId);
  }

  /** Systems with an agent connected here. */
  systems(): string[] {
    return [...new Set([...this.links.values()].map((l) => l.system))].sort();
  }

  inFlight(): TaskView[] {
    return [...this.tasks.values()].map((t) => ({
      taskId: t.taskId,
      system: t.system,
      kind: t.spec.kind,
      filter: t.spec.kind === 'search' ? t.spec.filter.name : null,
      keys: t.spec.kind === 'fetch' ? t.spec.keys.length : 0,
      agentId: t.agentId,
      attempt: t.attempt,
      sentAt: new Date(t.sentAt),
      deadline: new Date(t.deadline),
      chunks: t.chunks.size,
    }));
  }

  /** A stored result chunk (new or already stored before). Completes the task once chunks 0..final are in. */
  chunkStored(taskId: string, chunk: number, final: boolean): void {
    const task = this.tasks.get(taskId);
    if (task === undefined) return; // finished, retried under a new id, or from before a restart
    task.chunks.add(chunk);
    if (final) task.finalChunk = chunk;
    if (task.finalChunk === undefined) return;
    for (let i = 0; i <= task.finalChunk; i += 1) if (!task.chunks.has(i)) return;
    this.finish(task);
    this.hooks.counted(task.agentId, 'done');
    if (task.spec.kind === 'search' && task.spec.filter.incremental) {
      this.syncedSince.set(task.slot, task.sentAt);
    }
  }

  /** The agent gave up on a task: retried elsewhere when it says that can help. */
  taskFailed(taskId: string, agentId: string, reason: string, retryable: boolean): void {
    const task = this.tasks.get(taskId);
    if (task === undefined || task.agentId !== agentId) return;
    this.hooks.counted(agentId, 'failed');
    this.hooks.log('warn', { taskId, agentId, reason, retryable }, 'agent reported a task failed');
    if (retryable) this.retry(task, `failed on ${agentId}: ${reason}`);
    else this.finish(task);
  }

  /** One round: what the interval timer runs (tests call it directly). */
  async tick(): Promise<void> {
    const now = this.clock.now();
    for (const system of this.systems()) {
      let ours: boolean;
      try {
        ours = await this.hooks.mayDispatch(system);
      } catch (error) {
        this.hooks.log(
          'warn',
          { system, err: error },
          'dispatch lease unavailable; skipping this round',
        );
        ours = false;
      }
      if (!ours || this.stopped) continue;
      for (const filter of this.filters) {
        const slot = `${system}\u0000search\u0000${filter.name}`;
        if (this.slots.has(slot)) continue;
        const query: TaskQuery = { filterId: filter.filterId };
        const since = this.syncedSince.get(slot);
        // Tickets updated while the last search ran are searched again rather than missed.
        if (filter.incremental && since !== undefined) {
          query.updatedSince = new Date(since - this.options.intervalMs).toISOString();
        }
        this.dispatch({ slot, system, spec: { kind: 'search', filter, query } }, now);
      }
      const fetchSlot = `${system}\u0000fetch`;
      if (this.slots.has(fetchSlot)) continue;
      let keys: string[] = [];
      try {
        keys = await this.hooks.staleKeys(system, this.options.fetchBatch);
      } catch (error) {
        this.hooks.log('warn', { system, err: error }, 'stale tickets could not be listed');
      }
      if (keys.length > 0 && !this.stopped) {
        this.dispatch({ slot: fetchSlot, system, spec: { kind: 'fetch', keys } }, this.clock.now());
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.ticking = this.ticking
        .then(() => this.tick())
        .catch((error: unknown) => this.hooks.log('warn', { err: error }, 'dispatch round failed'))
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
  }

  private dispatch(base: { slot: string; system: string; spec: TaskSpec }, now: number): void {
    const task: DispatchedTask = {
      ...base,
      taskId: '',
      attempt: 0,
      agentId: '',
      sessionId: '',
      tried: new Set(),
      sentAt: now,
      deadline: now,
      timer: undefined,
      chunks: new Set(),
      finalChunk: undefined,
    };
    this.slots.set(task.slot, task);
    this.assign(task, undefined);
  }

  /** Sends the task's next attempt to the best agent; drops it when none is left or attempts are spent. */
  private assign(task: DispatchedTask, previousFailure: string | undefined): void {
    for (;;) {
      if (task.attempt >= this.options.maxAttempts) {
        this.hooks.log(
          'warn',
          { system: task.system, attempts: task.attempt, last: previousFailure },
          'task given up until the next interval',
        );
        this.finish(task);
        return;
      }
      const link = this.pick(task);
      if (link === undefined) {
        this.hooks.log(
          'debug',
          { system: task.system },
          'no agent connected for the task; it waits for the next interval',
        );
        this.finish(task);
        return;
      }
      const now = this.clock.now();
      task.attempt += 1;
      task.taskId = `task-${randomUUID()}`;
      task.agentId = link.agentId;
      task.sessionId = link.sessionId;
      task.tried.add(link.agentId);
      task.sentAt = now;
      task.deadline = now + this.options.taskTimeoutMs;
      task.chunks = new Set();
      task.finalChunk = undefined;
      const message: TaskMessage =
        task.spec.kind === 'search'
          ? {
              v: PROTOCOL_VERSION,
              type: 'task',
              taskId: task.taskId,
              system: task.system,
              deadline: new Date(task.deadline).toISOString(),
              kind: 'search',
              query: task.spec.query,
            }
          : {
              v: PROTOCOL_VERSION,
              type: 'task',
              taskId: task.taskId,
              system: task.system,
              deadline: new Date(task.deadline).toISOString(),
              kind: 'fetch',
              keys: task.spec.keys,
            };
      if (!link.send(message)) {
        this.links.delete(link.sessionId);
        previousFailure = `connection of ${link.agentId} closed`;
        continue;
      }
      this.tasks.set(task.taskId, task);
      const id = task.taskId;
      task.timer = this.clock.setTimeout(
        () => this.timedOut(id),
        this.options.taskTimeoutMs + this.options.graceMs,
      );
      this.hooks.log(
        'debug',
        { taskId: id, agentId: link.agentId, kind: task.spec.kind, attempt: task.attempt },
        'task sent',
      );
      return;
    }
  }

  private timedOut(taskId: string): void {
    const task = this.tasks.get(taskId);
    if (task === undefined) return;
    this.hooks.counted(task.agentId, 'failed');
    this.hooks.log(
      'warn',
      { taskId, agentId: task.agentId, chunks: task.chunks.size },
      'task not finished by its deadline; retrying on another agent',
    );
    this.retry(task, `timed out on ${task.agentId}`);
  }

  private retry(task: DispatchedTask, why: string): void {
    if (task.timer !== undefined) this.clock.clearTimeout(task.timer);
    this.tasks.delete(task.taskId);
    this.assign(task, why);
  }

  private finish(task: DispatchedTask): void {
    if (task.timer !== undefined) this.clock.clearTimeout(task.timer);
    this.tasks.delete(task.taskId);
    if (this.slots.get(task.slot) === task) this.slots.delete(task.slot);
  }

  /** An agent of the system not tried yet when there is one, the least busy, turns taken on ties. */
  private pick(task: DispatchedTask): AgentLink | undefined {
    const candidates = [...this.links.values()].filter((l) => l.system === task.system);
    if (candidates.length === 0) return undefined;
    const untried = candidates.filter((l) => !task.tried.has(l.agentId));
    const pool = untried.length > 0 ? untried : candidates;
    const load = (l: AgentLink) =>
      [...this.tasks.values()].filter((t) => t.sessionId === l.sessionId).length;
    const least = Math.min(...pool.map(load));
    const best = pool.filter((l) => load(l) === least);
    this.turn += 1;
    return best[this.turn % best.length];
  }
}
