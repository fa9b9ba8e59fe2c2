import { ceSourceOf } from '@telcomesh/contracts';
import type { ServiceRuntime } from '@telcomesh/platform';
import {
  SNMP_SOURCE_TYPE,
  SnmpTrapReceiver,
  type AlarmRecord,
  type SnmpConnectionConfig,
} from '../connectors';
import type { IngestorCore } from '../ingestor-core';
import type { IngestorConfig } from '../ingestor.config';
import { compileMappingRules } from '../pipeline/mapping-rules';
import { RecordPipeline } from '../pipeline/record-pipeline';
import { pushedRowsOf, type UnmappedInput } from '../push/pushed-records';
import {
  trapListenerPlan,
  type SnmpSourceForTraps,
  type TrapListenerPlan,
} from './trap-listener-plan';

/** source_id of traps from agents that no enabled `snmp` source lists. */
export const UNKNOWN_AGENT_SOURCE_ID = 'snmp-traps';

/**
 * SNMP traps into the record pipeline: one UDP listener per replica (each pod binds the port; a
 * Service hands each datagram to one pod, so each trap is published once), built from the
 * enabled `snmp` sources' credentials and targets and rebuilt when they change. Each alarm goes
 * through the pipeline of the source listing its agent, then the outbox, one trap at a time so a
 * clear never overtakes its raise.
 */
export class SnmpTrapIntake {
  private receiver: SnmpTrapReceiver | undefined;
  private plan: TrapListenerPlan | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private publishing: Promise<void> = Promise.resolve();
  private readonly unknownPipeline: RecordPipeline;
  private stopped = false;
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly runtime: ServiceRuntime<IngestorConfig>,
    private readonly core: IngestorCore,
    /** How often the sources are re-read for credential or target changes. */
    private readonly refreshIntervalMs = runtime.config.INGESTOR_LEASE_TTL_MS,
  ) {
    this.unknownPipeline = new RecordPipeline(
      compileMappingRules({}, runtime.config.DEFAULT_TENANT),
      core.pipelineSettings(300),
    );
  }

  get enabled(): boolean {
    return this.runtime.config.INGESTOR_SNMP_TRAP_PORT !== undefined;
  }

  /** Where the listener is bound, when it is. */
  address(): { address: string; port: number } | undefined {
    return this.receiver
      ? { address: this.receiver.config.address, port: this.receiver.config.port }
      : undefined;
  }

  /** Builds and binds the listener (a port already taken throws: start-up stops). */
  async start(): Promise<void> {
    if (!this.enabled) return;
    const first = this.rebuild();
    this.refreshing = first.catch(() => undefined);
    await first;
    // Changes made through this replica apply at once; the timer catches the other replicas'.
    this.stopListening = this.core.onSourcesChanged(() => void this.refresh());
    this.timer = setInterval(() => void this.refresh(), this.refreshIntervalMs);
    this.timer.unref();
  }

  /** Re-reads the sources; rebinds the listener when what it accepts or maps changed. */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing
      .then(() => this.rebuild())
      .catch((error: unknown) => {
        this.runtime.logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'SNMP trap listener not refreshed; keeping the previous one',
        );
      });
    return this.refreshing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.stopListening?.();
    await this.refreshing;
    await this.receiver?.close();
    this.receiver = undefined;
    await this.publishing;
  }

  private async rebuild(): Promise<void> {
    const { config, logger } = this.runtime;
    const port = config.INGESTOR_SNMP_TRAP_PORT;
    if (this.stopped || port === undefined) return;
    const plan = trapListenerPlan(
      {
        address: config.INGESTOR_SNMP_TRAP_HOST,
        port,
        communities: (config.INGESTOR_SNMP_TRAP_COMMUNITIES ?? '').split(',').map((c) => c.trim()),
      },
      await this.snmpSources(),
    );
    if (plan.fingerprint === this.plan?.fingerprint) return;
    for (const warning of plan.warnings) logger.warn({}, warning);
    // Closing first: the new listener binds the same port (traps in the gap are lost, as UDP).
    await this.receiver?.close();
    this.receiver = undefined;
    this.plan = plan;
    if (!plan.receiver) {
      logger.warn(
        { port },
        'SNMP trap listener idle: no community or SNMPv3 user to accept traps with',
      );
      return;
    }
    const receiver = new SnmpTrapReceiver(plan.receiver, { logger: this.core.connectorLog });
    receiver.onAlarm((alarm) => this.enqueue(alarm));
    await receiver.start();
    this.receiver = receiver;
  }

  /** The enabled `snmp` sources whose configuration builds; a broken one is logged and skipped. */
  private async snmpSources(): Promise<SnmpSourceForTraps[]> {
    const found: SnmpSourceForTraps[] = [];
    for (const stored of await this.core.store.list()) {
      if (stored.sourceType !== SNMP_SOURCE_TYPE || !stored.enabled) continue;
      try {
        const source = await this.core.pushedSource(stored.sourceId);
        if (source?.enabled)
          found.push({
            sourceId: source.sourceId,
            config: source.connector.config as SnmpConnectionConfig,
          });
      } catch (error) {
        this.runtime.logger.error(
          {
            sourceId: stored.sourceId,
            reason: this.core.catalog.redactorOf(stored)(String(error)),
          },
          'snmp source left out of the trap listener: its configuration does not build',
        );
      }
    }
    return found;
  }

  private enqueue(alarm: AlarmRecord): Promise<void> {
    this.publishing = this.publishing.then(() =>
      this.publish(alarm).catch((error: unknown) =>
        // One trap that cannot be published must not stop the next ones.
        this.runtime.logger.error(
          { alarmId: alarm.alarmId, err: error instanceof Error ? error.message : String(error) },
          'SNMP trap alarm not published',
        ),
      ),
    );
    return this.publishing;
  }

  private async publish(alarm: AlarmRecord): Promise<void> {
    const agent = alarm.labels.agent_address ?? '';
    const sourceId = this.plan?.sourceOfAgent.get(agent);
    const source = sourceId === undefined ? undefined : await this.core.pushedSource(sourceId);
    const { config } = this.runtime;
    let pipeline = this.unknownPipeline;
    let tenantId = config.DEFAULT_TENANT;
    let records: AlarmRecord[] = [alarm];
    const unmapped: UnmappedInput[] = [];
    if (source?.enabled) {
      pipeline = source.pipeline;
      tenantId = source.tenantId;
    } else if (config.INGESTOR_SNMP_TRAP_UNKNOWN_AGENTS === 'reject') {
      records = [];
      unmapped.push({
        raw: alarm.raw,
        field: 'agent_address',
        reason: `agent ${agent} is in no enabled snmp source`,
        kind: 'alarm',
      });
    }
    const publishedAs = source?.enabled ? source.sourceId : UNKNOWN_AGENT_SOURCE_ID;
    const pushed = pushedRowsOf(pipeline, records, unmapped, tenantId, {
      sourceId: publishedAs,
      ceSource: ceSourceOf('ingestor'),
      receivedAt: alarm.changedAt,
    });
    if (pushed.rows.length === 0) return;
    const { dataSource, outbox } = this.runtime;
    await dataSource.transaction((manager) => outbox.enqueue(manager, pushed.rows));
    outbox.notifyCommitted();
    this.core.metrics.recordPushed(publishedAs, pushed.accepted, pushed.rejected);
  }
}
