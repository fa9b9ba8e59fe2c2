import type { PhoneNumberNormaliser } from '../numbers/phone-number';
import type {
  AgentState,
  CallDirection,
  CallState,
  TaskState,
} from '../sources/contact-centre-source';
import {
  type Clock,
  type LiveAgent,
  type LiveCall,
  type LiveChange,
  type LiveChangeListener,
  type LiveQueue,
  type LiveTask,
  SourceBoard,
  type SourceLiveStatus,
} from './live-board';

export interface CallFilter {
  sourceId?: string;
  queueId?: string;
  /** Agent id or login. */
  agent?: string;
  /** Agent profile (skill group). */
  profile?: string;
  states?: CallState[];
  direction?: CallDirection;
}

export interface AgentFilter {
  sourceId?: string;
  queueId?: string;
  /** Agent id or login. */
  agent?: string;
  profile?: string;
  states?: AgentState[];
}

export interface QueueFilter {
  sourceId?: string;
  queueId?: string;
}

export interface TaskFilter {
  sourceId?: string;
  queueId?: string;
  managerId?: string;
  states?: TaskState[];
}

/**
 * The live view over every source: one `SourceBoard` per source, one stream of changes for
 * publishers, feeds, recorders and alerts, and the filtered reads behind the HTTP API.
 */
export class LiveView {
  private readonly boards = new Map<string, SourceBoard>();
  private readonly listeners = new Set<LiveChangeListener>();

  constructor(
    private readonly numbers: PhoneNumberNormaliser,
    readonly clock: Clock = { now: () => new Date() },
    /** A failing consumer of changes (a feed, a publisher) must not stop the source. */
    private readonly onListenerError: (error: unknown, change: LiveChange) => void = () => {},
  ) {}

  /** The board a source reports to (created on first use). */
  board(sourceId: string): SourceBoard {
    let board = this.boards.get(sourceId);
    if (!board) {
      board = new SourceBoard(sourceId, this.numbers, (c) => this.emit(c), this.clock);
      this.boards.set(sourceId, board);
    }
    return board;
  }

  /** Forgets a source (its lease moved to another replica): its calls are no longer ours to show. */
  drop(sourceId: string): void {
    this.boards.delete(sourceId);
  }

  subscribe(listener: LiveChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  statuses(): SourceLiveStatus[] {
    return [...this.boards.values()].map((b) => b.liveStatus());
  }

  calls(filter: CallFilter = {}): LiveCall[] {
    const out: LiveCall[] = [];
    for (const board of this.selected(filter.sourceId)) {
      for (const call of board.calls.values()) {
        if (filter.queueId !== undefined && call.queueId !== filter.queueId) continue;
        if (filter.states && !filter.states.includes(call.state)) continue;
        if (filter.direction && call.direction !== filter.direction) continue;
        if (filter.agent !== undefined || filter.profile !== undefined) {
          const agent = call.agentId ? board.agents.get(call.agentId) : undefined;
          if (filter.agent !== undefined && !isAgent(agent, call.agentId, filter.agent)) continue;
          if (filter.profile !== undefined && agent?.profile !== filter.profile) continue;
        }
        out.push(call);
      }
    }
    return out.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }

  agents(filter: AgentFilter = {}): LiveAgent[] {
    const out: LiveAgent[] = [];
    for (const board of this.selected(filter.sourceId)) {
      for (const agent of board.agents.values()) {
        if (filter.queueId !== undefined && !agent.queues.includes(filter.queueId)) continue;
        if (filter.agent !== undefined && !isAgent(agent, agent.agentId, filter.agent)) continue;
        if (filter.profile !== undefined && agent.profile !== filter.profile) continue;
        if (filter.states && !filter.states.includes(agent.state)) continue;
        out.push(agent);
      }
    }
    return out.sort((a, b) => a.login.localeCompare(b.login));
  }

  queues(filter: QueueFilter = {}): LiveQueue[] {
    const out: LiveQueue[] = [];
    for (const board of this.selected(filter.sourceId)) {
      for (const queue of board.queues.values()) {
        if (filter.queueId !== undefined && queue.queueId !== filter.queueId) continue;
        out.push({ ...queue });
      }
    }
    return out.sort((a, b) => a.queueId.localeCompare(b.queueId));
  }

  tasks(filter: TaskFilter = {}): LiveTask[] {
    const out: LiveTask[] = [];
    for (const board of this.selected(filter.sourceId)) {
      for (const task of board.tasks.values()) {
        if (filter.queueId !== undefined && task.queueId !== filter.queueId) continue;
        if (filter.managerId !== undefined && task.managerId !== filter.managerId) continue;
        if (filter.states && !filter.states.includes(task.state)) continue;
        out.push(task);
      }
    }
    return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  private selected(sourceId: string | undefined): Iterable<SourceBoard> {
    if (sourceId === undefined) return this.boards.values();
    const board = this.boards.get(sourceId);
    return board ? [board] : [];
  }

  private emit(change: LiveChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.onListenerError(error, change);
      }
    }
  }
}

function isAgent(agent: LiveAgent | undefined, agentId: string | undefined, wanted: string) {
  return agentId === wanted || agent?.login === wanted;
}
