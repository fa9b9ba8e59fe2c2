import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { validateConnectionConfig } from '../connection-config';
import type {
  ConnectionTestResult,
  ConnectorDeps,
  ConnectorHealth,
  FetchContext,
  FetchResult,
  MetricRecord,
  RejectedItem,
  SourceConnector,
  StreamStop,
} from '../connector';
import { systemClock, type Clock } from '../http/clock';
import { silentLogger, type ConnectorLogger } from '../http/http-source-client';
import { SecretRedactor } from '../http/redaction';
import { SourceError, type ConnectionStage } from '../http/source-error';
import { CounterRates } from './counter-rates';
import { metricRecords, type Reading, type TargetReadings } from './metric-records';
import { OID } from './oid-catalogue';
import { chunk, planPoll, type PollPlan } from './poll-plan';
import {
  SnmpConnectionConfig,
  isV3,
  objectsOf,
  secretsOf,
  type SnmpTargetDto,
} from './snmp-config';
import { SnmpSession, snmpFailure, targetLabel } from './snmp-session';
import { VarbindError, decodeVarbind, isException, numericValue } from './snmp-values';
import { forEachWithLimit, withDeadline } from './target-scheduling';

export const SNMP_SOURCE_TYPE = 'snmp';
const MAX_REJECTED_KEPT = 100;
/** Stream name of a target in stops and rejections. */
const streamOf = (label: string) => `snmp:${label}`;

/** How one target fares, for the ingestor's per-device view. */
export interface SnmpTargetHealth {
  /** `host:port`. */
  target: string;
  siteId: string;
  healthy: boolean;
  consecutiveFailures: number;
  lastPollAt?: Date;
  lastSuccessAt?: Date;
  lastDurationMs?: number;
  /** Redacted. */
  lastError?: string;
}

export interface SnmpTargetTestResult extends ConnectionTestResult {
  target: string;
}

/** Exchanges with the agents, for the health counters and the benchmark. */
export interface SnmpPollStats {
  /** Answers received (PDUs). */
  responses: number;
  varbinds: number;
  /** Requests that got no usable answer. */
  failures: number;
}

interface TargetState {
  dto: SnmpTargetDto;
  label: string;
  plan: PollPlan;
  rates: CounterRates;
  session?: SnmpSession;
  health: SnmpTargetHealth;
}

interface TargetOutcome {
  records: MetricRecord[];
  rejected: string[];
  stop?: StreamStop;
}

/**
 * Polls SNMP agents (v2c, v3 USM) for catalogue objects and raw OIDs: GETs for scalars, GETBULK
 * walks for tables. Counters leave as per-second rates between polls (Counter32/64 wraps, resets
 * and agent restarts handled, see CounterRates), so the first poll after start gives no rates.
 *
 * Targets are polled at most `max_concurrent_targets` at a time, each within
 * `target_timeout_ms`: a dead or slow agent holds one slot for that long and never delays the
 * others beyond it. A failed target is a stop of its own stream (`snmp:<host:port>`); the rest
 * of the sync goes on. SNMP has no "since": the cursor only records when the last sync ran.
 */
export class SnmpConnector implements SourceConnector<SnmpConnectionConfig> {
  readonly sourceType = SNMP_SOURCE_TYPE;
  private readonly clock: Clock;
  private readonly logger: ConnectorLogger;
  private readonly redactor = new SecretRedactor();
  private readonly targets: TargetState[];
  private readonly stats: SnmpPollStats = { responses: 0, varbinds: 0, failures: 0 };
  private closedSessions = { responses: 0, varbinds: 0 };
  private queue: Promise<unknown> = Promise.resolve();
  private connected = false;
  private state = {
    healthy: true,
    errorCount: 0,
    lastSync: undefined as Date | undefined,
    lastAttempt: undefined as Date | undefined,
    lastError: undefined as string | undefined,
    recordsCollected: 0,
    pollTimeTotalMs: 0,
    polls: 0,
    lastPollMs: undefined as number | undefined,
  };

  constructor(
    readonly config: SnmpConnectionConfig,
    private readonly deps: ConnectorDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
    this.targets = config.targets.map((dto) => {
      this.redactor.add(...secretsOf(dto));
      const label = targetLabel(dto);
      return {
        dto,
        label,
        plan: planPoll(objectsOf(config, dto)),
        rates: new CounterRates(),
        health: { target: label, siteId: dto.site_id, healthy: true, consecutiveFailures: 0 },
      };
    });
  }

  validateConfig(raw: unknown): SnmpConnectionConfig {
    return validateConnectionConfig(SnmpConnectionConfig, raw, this.sourceType);
  }

  /** Tests every target; fails only when none answers (one dead device is no reason to stop). */
  async connect(): Promise<void> {
    if (this.connected) return;
    const results = await this.testTargets();
    if (!results.some((result) => result.ok)) {
      const first = results[0];
      throw new SourceError(first.stage === 'auth' ? 'auth' : 'connect', first.message);
    }
    this.connected = true;
  }

  fetch(context: FetchContext = {}): Promise<FetchResult> {
    // One poll at a time: two polls of a target would share its session and its counter rates.
    const run = this.queue.then(() => this.pollAll(context));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async testConnection(): Promise<ConnectionTestResult> {
    const started = performance.now();
    const results = await this.testTargets();
    const failed = results.filter((result) => !result.ok);
    const latencyMs = Math.round(performance.now() - started);
    if (failed.length === 0) {
      const message =
        results.length === 1
          ? results[0].message
          : `all ${results.length} targets answered (slowest ${Math.max(...results.map((r) => r.latencyMs))} ms)`;
      this.state.healthy = true;
      return { ok: true, stage: 'parse', message, latencyMs };
    }
    const first = failed[0];
    const message =
      results.length === 1
        ? first.message
        : `${failed.length} of ${results.length} targets failed; first: ${first.message}`;
    this.state.healthy = false;
    this.state.lastError = message;
    return { ok: false, stage: first.stage, message, latencyMs };
  }

  /** The connection test of each target, in config order. */
  async testTargets(): Promise<SnmpTargetTestResult[]> {
    const results: SnmpTargetTestResult[] = [];
    await forEachWithLimit(this.targets, this.config.max_concurrent_targets, async (target, i) => {
      results[i] = { target: target.label, ...(await this.testTarget(target)) };
    });
    return results;
  }

  health(): ConnectorHealth {
    const stats = this.pollStats();
    return {
      healthy: this.state.healthy,
      lastSync: this.state.lastSync,
      lastAttempt: this.state.lastAttempt,
      errorCount: this.state.errorCount,
      requests: stats.responses + stats.failures,
      errors: stats.failures,
      lastError: this.state.lastError,
      lastResponseTimeMs: this.state.lastPollMs,
      averageResponseTimeMs:
        this.state.polls === 0
          ? undefined
          : Math.round(this.state.pollTimeTotalMs / this.state.polls),
      recordsCollected: this.state.recordsCollected,
      quotaExceeded: 0,
    };
  }

  targetHealth(): SnmpTargetHealth[] {
    return this.targets.map((target) => ({ ...target.health }));
  }

  pollStats(): SnmpPollStats {
    let { responses, varbinds } = this.closedSessions;
    for (const target of this.targets) {
      responses += target.session?.responses ?? 0;
      varbinds += target.session?.varbinds ?? 0;
    }
    return { responses, varbinds, failures: this.stats.failures };
  }

  async close(): Promise<void> {
    await this.queue;
    for (const target of this.targets) {
      if (!target.session) continue;
      this.closedSessions.responses += target.session.responses;
      this.closedSessions.varbinds += target.session.varbinds;
      target.session.close();
      target.session = undefined;
    }
    this.connected = false;
  }

  private async pollAll(context: FetchContext): Promise<FetchResult> {
    const startedAt = new Date(this.clock.now());
    const outcomes: TargetOutcome[] = [];
    await forEachWithLimit(
      this.targets,
      this.config.max_concurrent_targets,
      async (target, index) => {
        outcomes[index] = await this.pollTarget(target, context.signal);
      },
      context.signal,
    );
    const records = outcomes.flatMap((outcome) => outcome?.records ?? []);
    const stops = outcomes.flatMap((outcome) => (outcome?.stop ? [outcome.stop] : []));
    const rejected: RejectedItem[] = [];
    let rejectedCount = 0;
    outcomes.forEach((outcome, index) => {
      for (const reason of outcome?.rejected ?? []) {
        rejectedCount++;
        if (rejected.length < MAX_REJECTED_KEPT)
          rejected.push({ stream: streamOf(this.targets[index].label), reason });
      }
    });
    const polled = outcomes.filter((outcome) => outcome !== undefined).length;
    this.recordSync(startedAt, records.length, stops, polled);
    return {
      records,
      cursor: { version: 1, streams: { snmp: { since: startedAt.toISOString() } } },
      complete: stops.length === 0 && polled === this.targets.length,
      stops,
      rejected,
      rejectedCount,
    };
  }

  private recordSync(startedAt: Date, count: number, stops: StreamStop[], polled: number): void {
    this.state.lastAttempt = startedAt;
    this.state.recordsCollected = count;
    // The source as a whole failed only when no target could be read.
    if (polled > 0 && stops.length === polled) {
      this.state.healthy = false;
      this.state.errorCount++;
      this.state.lastError = stops[0].message;
      return;
    }
    this.state.healthy = true;
    this.state.errorCount = 0;
    this.state.lastSync = startedAt;
    this.state.lastError = stops[0]?.message;
  }

  private sessionOf(target: TargetState): SnmpSession {
    target.session ??= this.newSession(target.dto, this.config.retries);
    return target.session;
  }

  private async pollTarget(target: TargetState, signal?: AbortSignal): Promise<TargetOutcome> {
    const started = performance.now();
    const readings: TargetReadings = { scalars: [], walks: [] };
    const rejected: string[] = [];
    const session = this.sessionOf(target);
    const answersBefore = session.responses;
    let failure: SourceError | undefined;
    try {
      await withDeadline(
        this.config.target_timeout_ms,
        this.clock,
        (deadline) => this.readTarget(target, session, readings, rejected, deadline),
        () =>
          new SourceError(
            'timeout',
            `${target.label}: poll did not finish within ${this.config.target_timeout_ms} ms`,
          ),
        signal,
      );
    } catch (error) {
      failure = snmpFailure(error, target.label, this.config.timeout_ms, this.redactor);
      this.stats.failures++;
      // Not one answer: the agent is down, unreachable, or ignores these credentials (SNMPv2c
      // agents drop a wrong community without a word).
      if (failure.kind === 'timeout' && session.responses === answersBefore) {
        failure = new SourceError(
          'connect',
          `${failure.message}; not one answer (agent down, unreachable, or wrong ${isV3(target.dto) ? 'credentials' : 'community'})`,
        );
      }
    }
    let metrics: { records: MetricRecord[]; rejected: string[] } = { records: [], rejected: [] };
    try {
      metrics = metricRecords(
        {
          siteId: target.dto.site_id,
          managedObject: target.dto.name ?? target.dto.host,
          technology: target.dto.technology ?? '',
          agent: target.label,
        },
        target.plan,
        readings,
        target.rates,
      );
    } catch (error) {
      // A bug in normalising must cost this target's poll, not the sync.
      failure ??= new SourceError(
        'parse',
        this.redactor.redact(
          `${target.label}: answer could not be normalised (${error instanceof Error ? error.message : String(error)})`,
        ),
      );
    }
    target.rates.endPoll(failure === undefined);
    const durationMs = Math.round(performance.now() - started);
    this.state.polls++;
    this.state.pollTimeTotalMs += durationMs;
    this.state.lastPollMs = durationMs;
    const now = new Date(this.clock.now());
    const health = target.health;
    health.lastPollAt = now;
    health.lastDurationMs = durationMs;
    if (failure) {
      health.healthy = false;
      health.consecutiveFailures++;
      health.lastError = failure.message;
      this.logger.warn(
        { sourceId: this.deps.sourceId, target: target.label, stage: failure.stage },
        failure.message,
      );
    } else {
      health.healthy = true;
      health.consecutiveFailures = 0;
      health.lastSuccessAt = now;
    }
    return {
      records: metrics.records,
      rejected: [...rejected, ...metrics.rejected],
      stop: failure && {
        stream: streamOf(target.label),
        reason: 'error',
        stage: failure.stage,
        message: failure.message,
      },
    };
  }

  private async readTarget(
    target: TargetState,
    session: SnmpSession,
    readings: TargetReadings,
    rejected: string[],
    signal: AbortSignal,
  ): Promise<void> {
    const decode = (varbind: Parameters<typeof decodeVarbind>[0], atMs: number) => {
      try {
        return { varbind: decodeVarbind(varbind), atMs };
      } catch (error) {
        if (!(error instanceof VarbindError)) throw error;
        rejected.push(`${target.label} ${error.message}`);
        return undefined;
      }
    };
    for (const batch of chunk(target.plan.scalars, this.config.max_oids_per_request)) {
      const varbinds = await session.get(
        batch.map((read) => read.oid),
        signal,
      );
      const atMs = this.clock.now();
      batch.forEach((read, i) => {
        const varbind = varbinds[i];
        if (varbind === undefined) {
          rejected.push(`${target.label} ${read.name}: missing from the answer`);
          return;
        }
        const reading = decode(varbind, atMs);
        if (reading) readings.scalars.push({ read, reading });
      });
    }
    for (const walk of target.plan.walks) {
      const walked: Reading[] = [];
      readings.walks.push({ walk, readings: walked });
      await session.walk(
        walk.root,
        this.config.max_repetitions,
        (varbinds) => {
          const atMs = this.clock.now();
          for (const varbind of varbinds) {
            const reading = decode(varbind, atMs);
            if (reading) walked.push(reading);
          }
        },
        signal,
      );
      if (walk.getWhenEmpty && walked.length === 0) {
        const [varbind] = await session.get([walk.root], signal);
        const reading = varbind && decode(varbind, this.clock.now());
        if (reading) walked.push(reading);
      }
    }
  }

  private async testTarget(target: TargetState): Promise<ConnectionTestResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const fail = (stage: ConnectionStage, message: string): ConnectionTestResult => ({
      ok: false,
      stage,
      message: this.redactor.redact(message),
      latencyMs: elapsed(),
    });
    const { host } = target.dto;
    if (isIP(host) === 0) {
      try {
        await lookup(host);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return fail('dns', `${target.label}: host name does not resolve (${String(code)})`);
      }
    }
    // A session of its own: the test must go through v3 discovery again, and must not cancel
    // requests of a poll running at the same time.
    const session = this.newSession(target.dto, this.config.retries);
    try {
      const oids = [`${OID.sysUpTime}.0`, '1.3.6.1.2.1.1.5.0'];
      const varbinds = await withDeadline(
        this.config.target_timeout_ms,
        this.clock,
        (signal) => session.get(oids, signal),
        () =>
          new SourceError(
            'timeout',
            `${target.label}: no answer within ${this.config.target_timeout_ms} ms`,
          ),
      );
      const [uptime, sysName] = varbinds.map((varbind) => decodeVarbind(varbind));
      const ticks = uptime && !isException(uptime.syntax) ? numericValue(uptime) : undefined;
      if (ticks === undefined) {
        return fail(
          'parse',
          `${target.label}: the answer has no sysUpTime (${uptime?.syntax ?? 'missing'}); is the system group outside this ${isV3(target.dto) ? "user's" : "community's"} view?`,
        );
      }
      const name = typeof sysName?.value === 'string' ? ` sysName "${sysName.value}",` : '';
      return {
        ok: true,
        stage: 'parse',
        message: `${target.label} answered in ${elapsed()} ms:${name} up ${Math.round(ticks / 100)} s`,
        latencyMs: elapsed(),
      };
    } catch (error) {
      const failure =
        error instanceof VarbindError
          ? new SourceError('parse', `${target.label}: ${error.message}`)
          : snmpFailure(error, target.label, this.config.timeout_ms, this.redactor);
      if (failure.kind !== 'timeout') return fail(failure.stage, failure.message);
      // Silence has two causes SNMP does not tell apart; an unauthenticated SNMPv3 discovery
      // does: an agent that answers it is there, and ignored our request for its credentials.
      if (await this.agentAnswersDiscovery(target.dto)) {
        return fail(
          'auth',
          isV3(target.dto)
            ? `${target.label}: the agent answers SNMP but not this user's requests (wrong priv key or protocol, or no access for the user)`
            : `${target.label}: the agent answers SNMP but not to this community (wrong community, or this manager's address is not allowed)`,
        );
      }
      return fail(
        'connect',
        `${target.label}: no SNMP answer within ${this.config.timeout_ms} ms × ${this.config.retries + 1} attempts (agent down, unreachable, or filtered)`,
      );
    } finally {
      session.close();
    }
  }

  /** True when an agent answers an SNMPv3 engine discovery at the target's address. */
  private async agentAnswersDiscovery(dto: SnmpTargetDto): Promise<boolean> {
    const probe = this.newSession(
      {
        ...dto,
        version: 'v3',
        community: undefined,
        v3: { user: 'telcomesh-probe', level: 'noAuthNoPriv' },
      },
      0,
    );
    try {
      await probe.get([`${OID.sysUpTime}.0`]);
      return true;
    } catch (error) {
      return !(error instanceof SourceError && error.kind === 'timeout');
    } finally {
      probe.close();
    }
  }

  private newSession(dto: SnmpTargetDto, retries: number): SnmpSession {
    return new SnmpSession(dto, {
      timeoutMs: this.config.timeout_ms,
      retries,
      engineId: this.config.engine_id,
      redactor: this.redactor,
      logger: this.logger,
    });
  }
}
