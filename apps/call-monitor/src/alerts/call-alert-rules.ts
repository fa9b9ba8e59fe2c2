import { create } from '@bufbuild/protobuf';
import {
  CallAlertSchema,
  CallAlertState,
  timestampFromMs,
  type CallAlert,
  type CallAlertSeverity,
} from '@telcomesh/contracts';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import {
  AGENT_STATE_PHRASES,
  formatDuration,
  formatNumber,
  formatPercent,
  RULE_LABELS,
  type ResolvedReason,
} from './alert-summaries';
import {
  agentFactsProblem,
  isValidDate,
  queueFactsProblem,
  type AgentFacts,
  type ContactCentreFacts,
  type QueueFacts,
} from './call-alert-facts';
import {
  parseRulesState,
  type CallAlertRulesState,
  type TrackedAlertState,
} from './call-alert-rules.state';
import {
  FinishedCallWindow,
  finishedCallProblem,
  type FinishedCall,
  type FinishedCallOutcome,
  type WindowCounts,
} from './finished-call-window';
import {
  AlertPolicyError,
  resolvePolicy,
  validateQueueAlertPolicy,
  type CallAlertRuleName,
  type EffectiveAlertPolicy,
  type ThresholdRule,
  type WindowedRule,
} from './queue-alert-policy';
import type { QueueAlertPolicy } from './queue-alert-policy.dto';

export type { AgentFacts, ContactCentreFacts, QueueFacts } from './call-alert-facts';

/** Where the rules report facts they had to skip. */
export interface CallAlertLogger {
  warn(message: string, context?: Record<string, unknown>): void;
}

export interface CallAlertRulesOptions {
  /** Global defaults over the built-in ones (validated like a queue policy). */
  defaults?: unknown;
  logger?: CallAlertLogger;
  /** Finished calls kept per queue; the oldest are dropped first. 10,000 by default. */
  maxFinishedCallsPerQueue?: number;
}

/** A bad argument of `recordFinishedCall`, `evaluate` or `restore`. */
export class CallAlertInputError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.InvalidInput, message);
    this.name = 'CallAlertInputError';
  }
}

type Unit = 's' | 'calls' | '%' | 'agents';

/** Where a report is published. */
interface Labels {
  queueId: string;
  sourceId: string;
  tenantId: string;
  queueName: string;
}

/**
 * A rule's verdict on one subject now. Text is rendered only when a report is written, so an
 * alert that keeps firing costs a few assignments per evaluation.
 */
interface Reading {
  fire: boolean;
  clear: boolean;
  /** Undefined when nothing can be measured (an empty window). */
  value: number | undefined;
  /** Who the alert is about, for people: `Queue "Sales"`, `Agent Alice (alice)`. */
  label(): string;
  describe(value: number, resolved: ResolvedReason | undefined): string;
  metadata(): Record<string, string>;
}

/** A pending or firing alert. Only these are kept: quiet rules cost nothing between evaluations. */
interface TrackedAlert {
  /** Map key, cheap to build every evaluation (the published id is built once). */
  key: string;
  alertId: string;
  subject: string;
  rule: CallAlertRuleName;
  agentId?: string;
  agentState?: string;
  status: 'pending' | 'firing';
  sinceMs: number;
  firedAtMs: number;
  severity: CallAlertSeverity;
  threshold: number;
  unit: Unit;
  labels: Labels;
  observedValue: number;
  observedAtMs: number;
  /** Latest reading and its rule; undefined for an alert restored and not observed since. */
  reading?: Reading;
  config?: ThresholdRule;
  /** Text of the last rendering (or of the restored state). */
  subjectLabel: string;
  summary: string;
  metadata: Record<string, string>;
  /** Evaluation that last observed it; the others are swept at the end of `evaluate`. */
  round: number;
}

const NO_CALLS: WindowCounts = { answered: 0, answeredWithin: 0, abandoned: 0 };
const SEP = '\u0000';

const queueSubject = (sourceId: string, queueId: string): string =>
  `q${SEP}${sourceId}${SEP}${queueId}`;
const agentSubject = (sourceId: string, agentId: string): string =>
  `a${SEP}${sourceId}${SEP}${agentId}`;
const queueAlertKey = (rule: CallAlertRuleName, subject: string): string =>
  `${rule}${SEP}${subject}`;
const agentAlertKey = (subject: string, queueId: string, state: string): string =>
  `${subject}${SEP}${queueId}${SEP}${state}`;

/** Stable across FIRING and RESOLVED, across restarts and replicas. */
export function callAlertId(
  rule: CallAlertRuleName,
  sourceId: string,
  queueId: string,
  agent?: { agentId: string; state: string },
): string {
  const parts = [rule, sourceId, queueId].map(encodeURIComponent);
  if (agent) parts.push(encodeURIComponent(agent.agentId), agent.state);
  return parts.join(':');
}

/**
 * The contact-centre alert rules (issue 7): a pure, clock-driven evaluator. The caller passes
 * `now` and the current facts every tick (say each second) and publishes what `evaluate`
 * returns: one FIRING when a rule starts firing (after its `for` duration), one RESOLVED when
 * it clears past its clear threshold, nothing in between. No I/O, no timers.
 *
 * Cost per evaluation: O(queues × rules + agents) comparisons; windowed rules keep running
 * counts; text and messages are built only for transitions.
 */
export class CallAlertRules {
  private readonly logger: CallAlertLogger | undefined;
  private readonly maxCallsPerQueue: number;
  private defaultsRaw: QueueAlertPolicy = {};
  private defaultPolicy: EffectiveAlertPolicy;
  private readonly overrides = new Map<
    string,
    { raw: QueueAlertPolicy; policy: EffectiveAlertPolicy }
  >();
  private readonly windows = new Map<string, FinishedCallWindow>();
  private readonly tracked = new Map<string, TrackedAlert>();
  /** Tracked alerts per subject, so a quiet subject is skipped without building keys. */
  private readonly trackedPerSubject = new Map<string, number>();
  /** Last problem reported per subject: a bad entry is logged once, not every second. */
  private readonly reported = new Map<string, string>();
  /** The same for the finished calls given with a queue's facts. */
  private readonly reportedCalls = new Map<string, string>();
  private round = 0;

  constructor(options: CallAlertRulesOptions = {}) {
    this.logger = options.logger;
    this.maxCallsPerQueue = options.maxFinishedCallsPerQueue ?? 10_000;
    if (!Number.isInteger(this.maxCallsPerQueue) || this.maxCallsPerQueue < 1) {
      throw new CallAlertInputError(
        `maxFinishedCallsPerQueue must be an integer >= 1, got ${String(options.maxFinishedCallsPerQueue)}`,
      );
    }
    this.defaultPolicy = resolvePolicy(undefined, undefined).policy;
    if (options.defaults !== undefined) this.setDefaults(options.defaults);
  }

  // --- policies -------------------------------------------------------------------------

  /** Replaces the global defaults; refused (nothing changes) if it breaks any queue's override. */
  setDefaults(raw: unknown): void {
    const defaults = validateQueueAlertPolicy(raw, 'defaults');
    const resolved = resolvePolicy(defaults, undefined);
    if (resolved.problems.length > 0) throw new AlertPolicyError('defaults', resolved.problems);
    const problems: string[] = [];
    const next = new Map<string, EffectiveAlertPolicy>();
    for (const [queueId, override] of this.overrides) {
      const forQueue = resolvePolicy(defaults, override.raw);
      problems.push(
        ...forQueue.problems.map((p) => `queue ${JSON.stringify(queueId)} override ${p}`),
      );
      next.set(queueId, forQueue.policy);
    }
    if (problems.length > 0) throw new AlertPolicyError('defaults', problems);
    this.defaultsRaw = defaults;
    this.defaultPolicy = resolved.policy;
    for (const [queueId, override] of this.overrides) {
      override.policy = next.get(queueId) ?? override.policy;
    }
    for (const window of this.windows.values()) window.resetCounts();
  }

  defaults(): QueueAlertPolicy {
    return this.defaultsRaw;
  }

  /** Sets a queue's override (`PUT /alerts/policies/{queueId}`); throws `AlertPolicyError`. */
  setQueuePolicy(queueId: string, raw: unknown): EffectiveAlertPolicy {
    if (typeof queueId !== 'string' || queueId === '') {
      throw new AlertPolicyError('queue', ['queueId: must be a non-empty string']);
    }
    const subject = `queue ${JSON.stringify(queueId)}`;
    const override = validateQueueAlertPolicy(raw, subject);
    const resolved = resolvePolicy(this.defaultsRaw, override);
    if (resolved.problems.length > 0) throw new AlertPolicyError(subject, resolved.problems);
    this.overrides.set(queueId, { raw: override, policy: resolved.policy });
    this.resetQueueCounts(queueId);
    return resolved.policy;
  }

  removeQueuePolicy(queueId: string): boolean {
    const removed = this.overrides.delete(queueId);
    if (removed) this.resetQueueCounts(queueId);
    return removed;
  }

  /** The override stored for a queue, as given (validated, unset fields left out). */
  queuePolicy(queueId: string): QueueAlertPolicy | undefined {
    return this.overrides.get(queueId)?.raw;
  }

  /** The rules evaluated for a queue: built-in, then global defaults, then its override. */
  effectivePolicy(queueId: string): EffectiveAlertPolicy {
    return this.overrides.get(queueId)?.policy ?? this.defaultPolicy;
  }

  private resetQueueCounts(queueId: string): void {
    for (const [subject, window] of this.windows) {
      if (subject.endsWith(`${SEP}${queueId}`)) window.resetCounts();
    }
  }

  // --- facts ----------------------------------------------------------------------------

  /**
   * Feeds one finished call into the queue's sliding window (the usual way: on each call end;
   * `finishedCallOf` turns an ended `CallView` into the arguments). Throws
   * `CallAlertInputError` naming the bad argument; nothing is recorded then.
   */
  recordFinishedCall(
    queueId: string,
    outcome: FinishedCallOutcome,
    waitSeconds: number,
    endedAt: Date,
    sourceId = '',
  ): void {
    if (typeof queueId !== 'string' || queueId === '') {
      throw new CallAlertInputError(
        `recordFinishedCall: queueId must be a non-empty string, got ${String(queueId)}`,
      );
    }
    const problem = finishedCallProblem({ outcome, waitSeconds, endedAt });
    if (problem) {
      throw new CallAlertInputError(
        `recordFinishedCall (queue ${JSON.stringify(queueId)}): ${problem}`,
      );
    }
    this.windowOf(queueSubject(sourceId, queueId)).add({ outcome, waitSeconds, endedAt });
  }

  private windowOf(subject: string): FinishedCallWindow {
    let window = this.windows.get(subject);
    if (!window) {
      window = new FinishedCallWindow(this.maxCallsPerQueue);
      this.windows.set(subject, window);
    }
    return window;
  }

  // --- evaluation -----------------------------------------------------------------------

  /** The reports to publish now: transitions only, in the order they happened. */
  evaluate(now: Date, facts: ContactCentreFacts): CallAlert[] {
    if (!isValidDate(now)) {
      throw new CallAlertInputError(`evaluate: now must be a valid Date, got ${String(now)}`);
    }
    const nowMs = now.getTime();
    this.round++;
    const out: CallAlert[] = [];
    const seen = new Set<string>();
    const held = new Set<string>();
    const queueNames = new Map<string, string>();

    for (const queue of facts.queues) {
      const sourceId = typeof queue?.sourceId === 'string' ? queue.sourceId : '';
      const subject = queueSubject(sourceId, String(queue?.queueId));
      const problem = queueFactsProblem(queue) ?? (seen.has(subject) ? 'listed twice' : undefined);
      if (problem) {
        this.skip(subject, `queue ${JSON.stringify(queue?.queueId)}`, problem, held);
        continue;
      }
      seen.add(subject);
      if (this.reported.size > 0) this.reported.delete(subject);
      if (queue.queueName) queueNames.set(`${sourceId}${SEP}${queue.queueId}`, queue.queueName);
      this.evaluateQueue(out, nowMs, subject, sourceId, queue);
    }

    for (const agent of facts.agents) {
      const sourceId = typeof agent?.sourceId === 'string' ? agent.sourceId : '';
      const subject = agentSubject(sourceId, String(agent?.agentId));
      const problem = agentFactsProblem(agent) ?? (seen.has(subject) ? 'listed twice' : undefined);
      if (problem) {
        this.skip(subject, `agent ${JSON.stringify(agent?.agentId)}`, problem, held);
        continue;
      }
      seen.add(subject);
      if (this.reported.size > 0) this.reported.delete(subject);
      this.evaluateAgent(out, nowMs, subject, sourceId, agent, queueNames);
    }

    // Alerts nobody observed this round: the subject is gone or the rule no longer applies.
    for (const alert of this.tracked.values()) {
      if (alert.round === this.round || held.has(alert.subject)) continue;
      if (alert.status === 'firing') {
        const reason: ResolvedReason = seen.has(alert.subject)
          ? 'no_longer_applies'
          : 'not_reported';
        alert.observedAtMs = nowMs;
        out.push(this.report(alert, CallAlertState.RESOLVED, reason));
      }
      this.untrack(alert);
    }
    this.expireWindows(nowMs, seen);
    for (const subject of this.reported.keys()) {
      if (!held.has(subject)) this.reported.delete(subject);
    }
    for (const subject of this.reportedCalls.keys()) {
      if (!seen.has(subject)) this.reportedCalls.delete(subject);
    }
    return out;
  }

  /** Firing alerts as they stand (last observed value), e.g. for a new subscriber. */
  active(): CallAlert[] {
    const out: CallAlert[] = [];
    for (const alert of this.tracked.values()) {
      if (alert.status === 'firing') out.push(this.report(alert, CallAlertState.FIRING));
    }
    return out;
  }

  private skip(subject: string, what: string, problem: string, held: Set<string>): void {
    held.add(subject);
    if (this.reported.get(subject) === problem) return;
    this.reported.set(subject, problem);
    this.logger?.warn(`call alerts: ${what} skipped, its alerts kept as they are: ${problem}`);
  }

  private expireWindows(nowMs: number, seen: Set<string>): void {
    for (const [subject, window] of this.windows) {
      if (seen.has(subject)) continue;
      // Windows of queues not reported this round still age; empty ones are dropped.
      const queueId = subject.slice(subject.lastIndexOf(SEP) + 1);
      window.expire(nowMs, this.effectivePolicy(queueId).retentionMs);
      if (window.size === 0) this.windows.delete(subject);
    }
  }

  private evaluateQueue(
    out: CallAlert[],
    nowMs: number,
    subject: string,
    sourceId: string,
    queue: QueueFacts,
  ): void {
    const policy = this.effectivePolicy(queue.queueId);
    if (queue.recentFinishedCalls) this.replaceWindow(subject, queue);
    const window = this.windows.get(subject);
    window?.expire(nowMs, policy.retentionMs);

    const tracked = this.trackedPerSubject.has(subject);
    let labels: Labels | undefined;
    const labelsOf = (): Labels =>
      (labels ??= {
        queueId,
        sourceId,
        tenantId: queue.tenantId ?? '',
        queueName: queueName ?? '',
      });
    // Readings render later (on a transition, `active()`, export): they keep values, not the
    // caller's objects, which may change by then.
    const { queueId, queueName, longestWaitSeconds, agentsLoggedIn } = queue;
    const q = (): string => `Queue ${JSON.stringify(queueName || queueId)}`;
    const waiting = queue.waitingCalls;
    const available = queue.agentsAvailable;

    const longestWait = policy.longestWait;
    if (longestWait.enabled) {
      const value = longestWaitSeconds;
      const fire = value > longestWait.threshold;
      if (fire || tracked) {
        this.step(out, nowMs, 'longest_wait', subject, longestWait, 's', labelsOf(), undefined, {
          fire,
          clear: value <= longestWait.clearThreshold,
          value,
          label: q,
          describe: (v, resolved) =>
            resolved
              ? `${q()}: longest wait back to ${formatDuration(v)} (clears at ${formatDuration(longestWait.clearThreshold)}).`
              : `${q()}: a caller has been waiting ${formatDuration(v)} (threshold ${formatDuration(longestWait.threshold)}).`,
          metadata: () => ({ waiting_calls: String(waiting) }),
        });
      }
    }

    const waitingCalls = policy.waitingCalls;
    if (waitingCalls.enabled) {
      const fire = waiting > waitingCalls.threshold;
      if (fire || tracked) {
        this.step(
          out,
          nowMs,
          'waiting_calls',
          subject,
          waitingCalls,
          'calls',
          labelsOf(),
          undefined,
          {
            fire,
            clear: waiting <= waitingCalls.clearThreshold,
            value: waiting,
            label: q,
            describe: (v, resolved) =>
              resolved
                ? `${q()}: ${formatNumber(v)} calls waiting, back at or below ${formatNumber(waitingCalls.clearThreshold)}.`
                : `${q()}: ${formatNumber(v)} calls waiting (threshold ${formatNumber(waitingCalls.threshold)}).`,
            metadata: () => ({
              longest_wait_seconds: formatNumber(longestWaitSeconds),
              agents_available: String(available),
            }),
          },
        );
      }
    }

    const agentsAvailable = policy.agentsAvailable;
    if (agentsAvailable.enabled) {
      const fire = waiting > 0 && available < agentsAvailable.threshold;
      if (fire || tracked) {
        const rule = agentsAvailable;
        this.step(out, nowMs, 'agents_available', subject, rule, 'agents', labelsOf(), undefined, {
          fire,
          clear: waiting === 0 || available >= rule.clearThreshold,
          value: available,
          label: q,
          describe: (v, resolved) =>
            resolved
              ? `${q()}: ${formatNumber(v)} agents available, ${formatNumber(waiting)} calls waiting.`
              : `${q()}: ${formatNumber(v)} agents available (${formatNumber(agentsLoggedIn)} logged in) while ${formatNumber(waiting)} calls wait (threshold ${formatNumber(rule.threshold)}).`,
          metadata: () => ({
            waiting_calls: String(waiting),
            agents_logged_in: String(agentsLoggedIn),
          }),
        });
      }
    }

    const serviceLevel = policy.serviceLevel;
    if (serviceLevel.enabled) {
      const counts = window ? window.counts(serviceLevel, nowMs) : NO_CALLS;
      const calls = counts.answered + counts.abandoned;
      const value = calls > 0 ? (100 * counts.answeredWithin) / calls : undefined;
      const fire =
        value !== undefined && calls >= serviceLevel.minCalls && value < serviceLevel.threshold;
      if (fire || tracked) {
        const over = (): string => formatDuration(serviceLevel.windowMs / 1000);
        this.step(out, nowMs, 'service_level', subject, serviceLevel, '%', labelsOf(), undefined, {
          fire,
          clear: value === undefined || value >= serviceLevel.clearThreshold,
          value,
          label: q,
          describe: (v, resolved) =>
            resolved === 'no_data'
              ? `${q()}: no calls counted over the last ${over()}; service level alert resolved.`
              : resolved
                ? `${q()}: service level back to ${formatPercent(v)} (clears at ${formatPercent(serviceLevel.clearThreshold)}).`
                : `${q()}: service level ${formatPercent(v)} over the last ${over()} (target ${formatPercent(serviceLevel.threshold)} answered within ${formatNumber(serviceLevel.answerWithinSeconds)} s; ${calls} calls).`,
          metadata: () => ({
            ...windowMetadata(serviceLevel, counts),
            answer_within_seconds: formatNumber(serviceLevel.answerWithinSeconds),
            answered_within: String(counts.answeredWithin),
          }),
        });
      }
    }

    const abandonment = policy.abandonmentRate;
    if (abandonment.enabled) {
      const counts = window ? window.counts(policy.abandonmentWindow, nowMs) : NO_CALLS;
      const calls = counts.answered + counts.abandoned;
      const value = calls > 0 ? (100 * counts.abandoned) / calls : undefined;
      const fire =
        value !== undefined && calls >= abandonment.minCalls && value > abandonment.threshold;
      if (fire || tracked) {
        const over = (): string => formatDuration(abandonment.windowMs / 1000);
        this.step(
          out,
          nowMs,
          'abandonment_rate',
          subject,
          abandonment,
          '%',
          labelsOf(),
          undefined,
          {
            fire,
            clear: value === undefined || value <= abandonment.clearThreshold,
            value,
            label: q,
            describe: (v, resolved) =>
              resolved === 'no_data'
                ? `${q()}: no calls counted over the last ${over()}; abandonment alert resolved.`
                : resolved
                  ? `${q()}: abandonment back to ${formatPercent(v)} (clears at ${formatPercent(abandonment.clearThreshold)}).`
                  : `${q()}: ${formatPercent(v)} of calls abandoned over the last ${over()} (threshold ${formatPercent(abandonment.threshold)}; ${calls} calls).`,
            metadata: () => windowMetadata(abandonment, counts),
          },
        );
      }
    }
  }

  private replaceWindow(subject: string, queue: QueueFacts): void {
    const calls: FinishedCall[] = [];
    let firstProblem: string | undefined;
    (queue.recentFinishedCalls ?? []).forEach((call, index) => {
      const problem = call ? finishedCallProblem(call) : 'missing entry';
      if (problem) firstProblem ??= `recentFinishedCalls[${index}]: ${problem}`;
      else calls.push(call);
    });
    // A bad call is dropped and reported (once); the others still count.
    if (!firstProblem) {
      if (this.reportedCalls.size > 0) this.reportedCalls.delete(subject);
    } else if (this.reportedCalls.get(subject) !== firstProblem) {
      this.reportedCalls.set(subject, firstProblem);
      this.logger?.warn(
        `call alerts: queue ${JSON.stringify(queue.queueId)}: finished call skipped: ${firstProblem}`,
      );
    }
    this.windowOf(subject).replace(calls);
  }

  private evaluateAgent(
    out: CallAlert[],
    nowMs: number,
    subject: string,
    sourceId: string,
    agent: AgentFacts,
    queueNames: Map<string, string>,
  ): void {
    const queueId = agent.queues[0] ?? agent.profile;
    if (!queueId) return;
    const rule = this.effectivePolicy(queueId).agentStateDuration.get(agent.state);
    if (!rule) return;
    const seconds = Math.max(0, (nowMs - agent.stateSince.getTime()) / 1000);
    const fire = seconds > rule.threshold;
    if (!fire && !this.trackedPerSubject.has(subject)) return;

    const labels: Labels = {
      queueId,
      sourceId,
      tenantId: agent.tenantId ?? '',
      queueName: queueNames.get(`${sourceId}${SEP}${queueId}`) ?? '',
    };
    const { agentId, login, name, state: agentState } = agent;
    const since = agent.stateSince.getTime();
    const who = (): string => (name ? `${name} (${login ?? agentId})` : (login ?? agentId));
    const state = AGENT_STATE_PHRASES[agentState];
    this.step(out, nowMs, 'agent_state_duration', subject, rule, 's', labels, agent, {
      fire,
      clear: seconds <= rule.clearThreshold,
      value: seconds,
      label: () => `Agent ${who()}`,
      describe: (v, resolved) =>
        resolved
          ? `Agent ${who()} is no longer ${state} past the threshold (${formatDuration(v)} now).`
          : `Agent ${who()} has been ${state} for ${formatDuration(v)} (threshold ${formatDuration(rule.threshold)}).`,
      metadata: () => {
        const metadata: Record<string, string> = {
          agent_id: agentId,
          agent_state: agentState,
          state_since: new Date(since).toISOString(),
        };
        if (login) metadata.agent_login = login;
        if (name) metadata.agent_name = name;
        return metadata;
      },
    });
  }

  /** The state machine of one alert: inactive → pending (`for`) → firing → resolved. */
  private step(
    out: CallAlert[],
    nowMs: number,
    rule: CallAlertRuleName,
    subject: string,
    config: ThresholdRule,
    unit: Unit,
    labels: Labels,
    agent: AgentFacts | undefined,
    reading: Reading,
  ): void {
    const key = agent
      ? agentAlertKey(subject, labels.queueId, agent.state)
      : queueAlertKey(rule, subject);
    let alert = this.tracked.get(key);
    if (!alert) {
      if (!reading.fire) return;
      alert = {
        key,
        alertId: callAlertId(
          rule,
          labels.sourceId,
          labels.queueId,
          agent && { agentId: agent.agentId, state: agent.state },
        ),
        subject,
        rule,
        agentId: agent?.agentId,
        agentState: agent?.state,
        status: 'pending',
        sinceMs: nowMs,
        firedAtMs: 0,
        severity: config.severity,
        threshold: config.threshold,
        unit,
        labels,
        observedValue: reading.value ?? 0,
        observedAtMs: nowMs,
        subjectLabel: '',
        summary: '',
        metadata: {},
        round: this.round,
      };
      this.tracked.set(key, alert);
      this.trackedPerSubject.set(subject, (this.trackedPerSubject.get(subject) ?? 0) + 1);
    }
    alert.round = this.round;
    // Names may change while an alert is open (a queue renamed); reports carry the latest.
    alert.labels = labels;
    alert.reading = reading;
    alert.config = config;
    if (reading.value !== undefined) alert.observedValue = reading.value;
    alert.observedAtMs = nowMs;

    if (alert.status === 'pending') {
      if (!reading.fire) {
        this.untrack(alert);
      } else if (nowMs - alert.sinceMs >= config.forMs) {
        alert.status = 'firing';
        alert.firedAtMs = nowMs;
        alert.severity = config.severity;
        alert.threshold = config.threshold;
        out.push(this.report(alert, CallAlertState.FIRING));
      }
      return;
    }
    if (reading.clear) {
      const reason: ResolvedReason = reading.value === undefined ? 'no_data' : 'cleared';
      out.push(this.report(alert, CallAlertState.RESOLVED, reason));
      this.untrack(alert);
    }
  }

  private untrack(alert: TrackedAlert): void {
    this.tracked.delete(alert.key);
    const left = (this.trackedPerSubject.get(alert.subject) ?? 1) - 1;
    if (left > 0) this.trackedPerSubject.set(alert.subject, left);
    else this.trackedPerSubject.delete(alert.subject);
  }

  /**
   * Brings the alert's text up to date with its latest reading. `reason` is set for a RESOLVED
   * report; a swept alert (not observed this round) gets a summary saying why it resolved.
   */
  private render(alert: TrackedAlert, reason?: ResolvedReason): void {
    const reading = alert.reading;
    if (reading) {
      alert.subjectLabel = reading.label();
      alert.metadata = {
        ...reading.metadata(),
        ...(alert.config && {
          clear_threshold: formatNumber(alert.config.clearThreshold),
          for_seconds: formatNumber(alert.config.forMs / 1000),
        }),
      };
    }
    if (reason === 'not_reported' || reason === 'no_longer_applies') {
      alert.summary = sweptSummary(alert, reason);
    } else if (reading) {
      alert.summary = reading.describe(alert.observedValue, reason);
    }
  }

  private report(alert: TrackedAlert, state: CallAlertState, reason?: ResolvedReason): CallAlert {
    this.render(alert, reason);
    const metadata: Record<string, string> = {
      ...alert.metadata,
      fired_at: new Date(alert.firedAtMs).toISOString(),
    };
    if (reason) metadata.resolved_reason = reason;
    return create(CallAlertSchema, {
      ...alert.labels,
      alertId: alert.alertId,
      rule: alert.rule,
      severity: alert.severity,
      state,
      observedValue: alert.observedValue,
      threshold: alert.threshold,
      unit: alert.unit,
      summary: alert.summary,
      observedAt: timestampFromMs(alert.observedAtMs),
      metadata,
    });
  }

  // --- fail-over ------------------------------------------------------------------------

  /**
   * Pending and firing alerts and the finished-call windows, as plain JSON; only those of one
   * source when `sourceId` is given (fail-over is per source lease). A replica that `restore`s
   * it continues where this one stopped: no second FIRING, `for` timers kept. Policies are not
   * part of it (they are configuration, stored where the API writes them).
   */
  exportState(sourceId?: string): CallAlertRulesState {
    const alerts: TrackedAlertState[] = [];
    for (const alert of this.tracked.values()) {
      if (sourceId !== undefined && alert.labels.sourceId !== sourceId) continue;
      this.render(alert);
      alerts.push({
        alertId: alert.alertId,
        rule: alert.rule,
        status: alert.status,
        ...alert.labels,
        subjectLabel: alert.subjectLabel,
        ...(alert.agentId !== undefined
          ? { agentId: alert.agentId, agentState: alert.agentState }
          : {}),
        sinceMs: alert.sinceMs,
        firedAtMs: alert.firedAtMs,
        severity: alert.severity,
        threshold: alert.threshold,
        unit: alert.unit,
        observedValue: alert.observedValue,
        observedAtMs: alert.observedAtMs,
        summary: alert.summary,
        metadata: { ...alert.metadata },
      });
    }
    const windows: CallAlertRulesState['windows'] = [];
    for (const [subject, window] of this.windows) {
      const [, windowSource, queueId] = subject.split(SEP);
      if (sourceId !== undefined && windowSource !== sourceId) continue;
      windows.push({
        sourceId: windowSource,
        queueId,
        calls: window
          .calls()
          .map((call) => [
            call.endedAt.getTime(),
            call.waitSeconds,
            call.outcome === 'abandoned' ? 1 : 0,
          ]),
      });
    }
    return { version: 1, alerts, windows };
  }

  /** The whole state (`JSON.stringify(rules)` works). */
  toJSON(): CallAlertRulesState {
    return this.exportState();
  }

  /**
   * Takes over an export of `exportState`/`toJSON` (parsed JSON is fine). With `sourceId`, only
   * that source's alerts and windows are replaced (entries of other sources in `state` are
   * ignored); without, everything is. Throws `CallAlertInputError` naming the bad field, and
   * nothing changes then.
   */
  restore(state: unknown, sourceId?: string): void {
    const parsed = parseRulesState(state);
    if (typeof parsed === 'string') throw new CallAlertInputError(`restore: ${parsed}`);
    if (sourceId === undefined) {
      this.tracked.clear();
      this.trackedPerSubject.clear();
      this.windows.clear();
      this.reported.clear();
      this.reportedCalls.clear();
    } else {
      this.forgetSource(sourceId);
    }
    for (const saved of parsed.alerts) {
      if (sourceId !== undefined && saved.sourceId !== sourceId) continue;
      const subject =
        saved.agentId !== undefined
          ? agentSubject(saved.sourceId, saved.agentId)
          : queueSubject(saved.sourceId, saved.queueId);
      const key =
        saved.agentId !== undefined
          ? agentAlertKey(subject, saved.queueId, saved.agentState ?? '')
          : queueAlertKey(saved.rule, subject);
      const existing = this.tracked.get(key);
      if (existing) this.untrack(existing);
      this.tracked.set(key, {
        key,
        alertId: saved.alertId,
        subject,
        rule: saved.rule,
        agentId: saved.agentId,
        agentState: saved.agentState,
        status: saved.status,
        sinceMs: saved.sinceMs,
        firedAtMs: saved.firedAtMs,
        severity: saved.severity,
        threshold: saved.threshold,
        unit: saved.unit as Unit,
        labels: {
          queueId: saved.queueId,
          sourceId: saved.sourceId,
          tenantId: saved.tenantId,
          queueName: saved.queueName,
        },
        observedValue: saved.observedValue,
        observedAtMs: saved.observedAtMs,
        subjectLabel: saved.subjectLabel,
        summary: saved.summary,
        metadata: { ...saved.metadata },
        round: this.round,
      });
      this.trackedPerSubject.set(subject, (this.trackedPerSubject.get(subject) ?? 0) + 1);
    }
    for (const saved of parsed.windows) {
      if (sourceId !== undefined && saved.sourceId !== sourceId) continue;
      this.windowOf(queueSubject(saved.sourceId, saved.queueId)).replace(
        saved.calls.map(([endedMs, waitSeconds, abandoned]) => ({
          outcome: abandoned === 1 ? 'abandoned' : 'answered',
          waitSeconds,
          endedAt: new Date(endedMs),
        })),
      );
    }
  }

  /**
   * Drops a source's alerts and windows without reporting anything: another replica has taken
   * the source over and carries its alerts on (export them first with `exportState(sourceId)`).
   */
  forgetSource(sourceId: string): void {
    for (const alert of this.tracked.values()) {
      if (alert.labels.sourceId === sourceId) this.untrack(alert);
    }
    for (const subject of this.windows.keys()) {
      if (subject.startsWith(queueSubject(sourceId, ''))) this.windows.delete(subject);
    }
  }
}

function windowMetadata(rule: WindowedRule, counts: WindowCounts): Record<string, string> {
  return {
    window_seconds: formatNumber(rule.windowMs / 1000),
    calls: String(counts.answered + counts.abandoned),
    answered: String(counts.answered),
    abandoned: String(counts.abandoned),
    min_calls: String(rule.minCalls),
    short_abandon_seconds: formatNumber(rule.shortAbandonSeconds),
  };
}

function sweptSummary(alert: TrackedAlert, reason: 'not_reported' | 'no_longer_applies'): string {
  if (alert.rule === 'agent_state_duration') {
    const state = AGENT_STATE_PHRASES[alert.agentState ?? ''] ?? alert.agentState;
    return reason === 'not_reported'
      ? `${alert.subjectLabel} is no longer reported; ${state} alert resolved.`
      : `${alert.subjectLabel} is no longer ${state}.`;
  }
  const label = RULE_LABELS[alert.rule];
  return reason === 'not_reported'
    ? `${alert.subjectLabel} is no longer reported; ${label} alert resolved.`
    : `${alert.subjectLabel}: the ${label} rule no longer applies (disabled); alert resolved.`;
}
