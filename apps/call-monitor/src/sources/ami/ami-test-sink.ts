import type {
  AgentState,
  AgentView,
  CallView,
  ContactCentreSink,
  ContactCentreSnapshot,
  QueueView,
  SourceConnectionState,
  TaskView,
} from '../contact-centre-source';
import type { AmiLogger } from './ami-connection';

/** One report a sink received, in order. */
export type SinkReport =
  | { kind: 'snapshot'; snapshot: ContactCentreSnapshot }
  | { kind: 'callUpdated'; call: CallView; at: Date }
  | { kind: 'callEnded'; call: CallView; at: Date }
  | { kind: 'agentUpdated'; agent: AgentView; at: Date }
  | { kind: 'agentRemoved'; agentId: string; at: Date }
  | { kind: 'queueUpdated'; queue: QueueView; at: Date }
  | { kind: 'task'; task: TaskView; at: Date }
  | { kind: 'connectionChanged'; state: SourceConnectionState; detail?: string };

/** A sink for the AMI specs: keeps every report, with look-ups by call and agent. */
export class RecordingSink implements ContactCentreSink {
  readonly reports: SinkReport[] = [];

  snapshot(snapshot: ContactCentreSnapshot): void {
    this.reports.push({ kind: 'snapshot', snapshot });
  }
  callUpdated(call: CallView, at: Date): void {
    this.reports.push({ kind: 'callUpdated', call, at });
  }
  callEnded(call: CallView, at: Date): void {
    this.reports.push({ kind: 'callEnded', call, at });
  }
  agentUpdated(agent: AgentView, at: Date): void {
    this.reports.push({ kind: 'agentUpdated', agent, at });
  }
  agentRemoved(agentId: string, at: Date): void {
    this.reports.push({ kind: 'agentRemoved', agentId, at });
  }
  queueUpdated(queue: QueueView, at: Date): void {
    this.reports.push({ kind: 'queueUpdated', queue, at });
  }
  taskUpdated(task: TaskView, at: Date): void {
    this.reports.push({ kind: 'task', task, at });
  }
  taskEnded(task: TaskView, at: Date): void {
    this.reports.push({ kind: 'task', task, at });
  }
  connectionChanged(state: SourceConnectionState, detail?: string): void {
    this.reports.push(
      detail === undefined
        ? { kind: 'connectionChanged', state }
        : { kind: 'connectionChanged', state, detail },
    );
  }

  snapshots(): ContactCentreSnapshot[] {
    return this.reports.flatMap((r) => (r.kind === 'snapshot' ? [r.snapshot] : []));
  }

  /** Every `callUpdated` view (of one call when `callId` is given). */
  updates(callId?: string): CallView[] {
    return this.reports.flatMap((r) =>
      r.kind === 'callUpdated' && (callId === undefined || r.call.callId === callId)
        ? [r.call]
        : [],
    );
  }

  /** Every `callEnded` view (of one call when `callId` is given). */
  ended(callId?: string): CallView[] {
    return this.reports.flatMap((r) =>
      r.kind === 'callEnded' && (callId === undefined || r.call.callId === callId) ? [r.call] : [],
    );
  }

  /** Ids of every call reported, in order of first report. */
  callIds(): string[] {
    const ids = new Set<string>();
    for (const r of this.reports) {
      if (r.kind === 'callUpdated' || r.kind === 'callEnded') ids.add(r.call.callId);
      if (r.kind === 'snapshot') for (const call of r.snapshot.calls) ids.add(call.callId);
    }
    return [...ids];
  }

  agentUpdates(agentId: string): AgentView[] {
    return this.reports.flatMap((r) =>
      r.kind === 'agentUpdated' && r.agent.agentId === agentId ? [r.agent] : [],
    );
  }

  /** An agent's reported states with their `stateSince`, in order. */
  agentStates(agentId: string): { state: AgentState; since: Date }[] {
    return this.agentUpdates(agentId).map((a) => ({ state: a.state, since: a.stateSince }));
  }

  connectionStates(): SourceConnectionState[] {
    return this.reports.flatMap((r) => (r.kind === 'connectionChanged' ? [r.state] : []));
  }
}

/** A logger that keeps what it is told. */
export class RecordingLogger implements AmiLogger {
  readonly lines: { level: string; message: string; context?: Record<string, unknown> }[] = [];

  debug(message: string, context?: Record<string, unknown>): void {
    this.lines.push({ level: 'debug', message, context });
  }
  info(message: string, context?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, context });
  }
  warn(message: string, context?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, context });
  }
  error(message: string, context?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, context });
  }

  at(level: string): { message: string; context?: Record<string, unknown> }[] {
    return this.lines
      .filter((line) => line.level === level)
      .map(({ message, context }) => (context === undefined ? { message } : { message, context }));
  }
}

/** Epoch seconds with a fraction (an AMI `Timestamp`) as the Date the tracker reports. */
export function stamp(seconds: number): Date {
  return new Date(Math.round(seconds * 1000));
}
