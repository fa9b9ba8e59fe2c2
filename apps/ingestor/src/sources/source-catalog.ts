import { randomUUID } from 'node:crypto';
import { ConfigChangeAction, create, timestampFromDate, Topics } from '@telcomesh/contracts';
import type { EventOutbox } from '@telcomesh/messaging';
import type { Logger } from '@telcomesh/observability';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import type { DataSource, EntityManager } from 'typeorm';
import {
  ConnectorConfigError,
  type ConnectionStage,
  type ConnectorDefinition,
  type ConnectorLogger,
  type ConnectorRegistry,
  type SourceConnector,
} from '../connectors';
import {
  MappingRulesError,
  validateMappingRules,
  type MappingRules,
} from '../pipeline/mapping-rules';
import type { DataSourceStore, SourceOrigin, StoredDataSource } from './data-source-store';
import { SOURCE_ID, SOURCE_ID_RULE } from './source-id';
import { SourceSecretBox, SourceSecretError } from './source-secrets';
import { SourcesFileError, type SourcesFileEntry } from './sources-file';

export const DEFAULT_POLLING_INTERVAL_SECONDS = 300;

/** A data source as given to create it (REST body or configuration file entry). */
export interface DataSourceInput {
  source_id: string;
  source_name?: string;
  source_type?: string;
  connector_class?: string;
  connection_config: Record<string, unknown>;
  mapping_rules?: Record<string, unknown>;
  polling_interval?: number;
  enabled?: boolean;
}

/** The fields an update may change; absent ones stay. */
export interface DataSourcePatch {
  source_name?: string;
  connection_config?: Record<string, unknown>;
  mapping_rules?: Record<string, unknown>;
  polling_interval?: number;
  enabled?: boolean;
}

/** A data source as answered: secrets masked, references as written. */
export interface DataSourceView {
  source_id: string;
  source_name: string;
  source_type: string;
  connector_class: string;
  connection_config: Record<string, unknown>;
  mapping_rules: MappingRules;
  polling_interval: number;
  enabled: boolean;
  origin: SourceOrigin;
  created_at: string;
  updated_at: string;
}

export interface ConnectionTestView {
  ok: boolean;
  /** Where it failed (`config` when the stored configuration itself cannot be used). */
  stage: ConnectionStage | 'config';
  message: string;
  latency_ms: number;
}

/** A connector definition may list secret paths its field names do not reveal. */
type WithSecretFields = ConnectorDefinition & { secretFields?: readonly string[] };

function issueMessage(path: string, message: string): string {
  if (path === '') return `connection_config: ${message}`;
  // One issue may join several constraint messages, each starting with the field's path.
  return message
    .split('; ')
    .map((part) =>
      part.startsWith(path) ? `connection_config.${part}` : `connection_config.${path}: ${part}`,
    )
    .join('; ');
}

/** A 400 naming every bad field, fields listed in `details.fields`. */
export function invalidFields(issues: { field: string; message: string }[]): DomainError {
  return new DomainError(ErrorCode.InvalidInput, issues.map((i) => i.message).join('; '), {
    fields: issues.map((i) => i.field),
  });
}

/** Turns the connector and mapping validation errors into field-naming issues. */
export function issuesOf(error: unknown): { field: string; message: string }[] | undefined {
  if (error instanceof ConnectorConfigError) {
    return error.issues.map((issue) =>
      issue.path === 'source_type'
        ? { field: 'source_type', message: `source_type: ${issue.message}` }
        : {
            field: issue.path ? `connection_config.${issue.path}` : 'connection_config',
            message: issueMessage(issue.path, issue.message),
          },
    );
  }
  if (error instanceof SourceSecretError) {
    return [
      { field: `connection_config.${error.path}`, message: `connection_config.${error.message}` },
    ];
  }
  if (error instanceof MappingRulesError) {
    return error.issues.map((issue) => ({
      field: issue.path ? `mapping_rules.${issue.path}` : 'mapping_rules',
      message: issue.path ? `mapping_rules.${issue.path}: ${issue.message}` : issue.message,
    }));
  }
  return undefined;
}

/** Advisory lock taken while the configuration file is applied. */
const SOURCES_FILE_LOCK = 0x1e57_0001;

/** JSON with object keys sorted, so equal settings serialise equally. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : inner,
  );
}

/** Serialised for config.changes.v1: what an operator sees, secrets masked. */
function changeValue(view: DataSourceView): string {
  const { created_at: _c, updated_at: _u, ...rest } = view;
  return JSON.stringify(rest);
}

export interface SourceCatalogDeps {
  dataSource: DataSource;
  store: DataSourceStore;
  connectors: ConnectorRegistry;
  secrets: SourceSecretBox;
  events: EventOutbox;
  logger: Logger;
  /** Called after a committed change, so the local scheduler picks it up at once. */
  changed?: (sourceId: string) => void;
}

/**
 * The data-source registry: validates each source against its connector's config class and the
 * mapping rules, seals secrets before they are stored and masks them in every answer, records
 * each change on config.changes.v1 in the same transaction, and builds connectors from stored
 * rows.
 */
export class SourceCatalog {
  constructor(private readonly deps: SourceCatalogDeps) {}

  static view(source: StoredDataSource): DataSourceView {
    return {
      source_id: source.sourceId,
      source_name: source.sourceName,
      source_type: source.sourceType,
      connector_class: source.connectorClass,
      connection_config: SourceSecretBox.mask(source.connectionConfig),
      mapping_rules: source.mappingRules,
      polling_interval: source.pollingInterval,
      enabled: source.enabled,
      origin: source.origin,
      created_at: source.createdAt.toISOString(),
      updated_at: source.updatedAt.toISOString(),
    };
  }

  async list(): Promise<DataSourceView[]> {
    return (await this.deps.store.list()).map((s) => SourceCatalog.view(s));
  }

  async get(sourceId: string): Promise<DataSourceView> {
    return SourceCatalog.view(await this.stored(sourceId));
  }

  async stored(
    sourceId: string,
    manager?: EntityManager,
    forUpdate = false,
  ): Promise<StoredDataSource> {
    const source = await this.deps.store.get(sourceId, manager, forUpdate);
    if (!source)
      throw new DomainError(ErrorCode.NotFound, `data source ${sourceId} does not exist`);
    return source;
  }

  /**
   * Validates a definition and returns the row to store (not yet written). `previous` is the row
   * it replaces: masks sent back keep its secrets. Throws a 400 naming every bad field.
   */
  prepare(
    input: DataSourceInput,
    origin: SourceOrigin,
    previous?: StoredDataSource,
    now = new Date(),
  ): StoredDataSource {
    const issues: { field: string; message: string }[] = [];
    if (!SOURCE_ID.test(input.source_id)) {
      issues.push({
        field: 'source_id',
        message: SOURCE_ID_RULE,
      });
    }
    const selector = {
      sourceType: input.source_type ?? previous?.sourceType,
      connectorClass: input.source_type === undefined ? input.connector_class : undefined,
    };
    let definition: WithSecretFields | undefined;
    let sealed: Record<string, unknown> | undefined;
    try {
      definition = this.deps.connectors.resolve(selector, input.connection_config);
      if (
        input.connector_class !== undefined &&
        definition.connectorClass !== input.connector_class
      ) {
        issues.push({
          field: 'connector_class',
          message: `connector_class ${input.connector_class} does not match source_type ${definition.sourceType} (${definition.connectorClass})`,
        });
      }
      sealed = this.deps.secrets.seal(
        input.connection_config,
        previous?.connectionConfig,
        definition.secretFields,
      );
      this.deps.secrets.checkReferences(sealed);
      this.deps.connectors.validate(
        { sourceType: definition.sourceType, connectorClass: definition.connectorClass },
        this.deps.secrets.open(sealed),
      );
    } catch (error) {
      const found = issuesOf(error);
      if (!found) throw error;
      issues.push(...found);
    }
    let mappingRules: MappingRules = {};
    try {
      mappingRules = validateMappingRules(input.mapping_rules);
    } catch (error) {
      const found = issuesOf(error);
      if (!found) throw error;
      issues.push(...found);
    }
    if (issues.length > 0 || !definition || !sealed) throw invalidFields(issues);
    return {
      sourceId: input.source_id,
      sourceName: input.source_name ?? previous?.sourceName ?? input.source_id,
      sourceType: definition.sourceType,
      connectorClass: definition.connectorClass,
      connectionConfig: sealed,
      mappingRules,
      pollingInterval:
        input.polling_interval ?? previous?.pollingInterval ?? DEFAULT_POLLING_INTERVAL_SECONDS,
      enabled: input.enabled ?? previous?.enabled ?? true,
      origin,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    };
  }

  async create(
    input: DataSourceInput,
    actor: string,
    reason: string,
    origin: SourceOrigin = 'api',
  ): Promise<DataSourceView> {
    const source = this.prepare(input, origin);
    await this.deps.events.transaction(async (manager) => {
      if (!(await this.deps.store.insert(manager, source))) {
        throw new DomainError(ErrorCode.Conflict, `data source ${source.sourceId} already exists`, {
          field: 'source_id',
        });
      }
      await this.recordChange(manager, source.sourceId, undefined, source, actor, reason);
    });
    this.deps.logger.info({ sourceId: source.sourceId, actor }, 'data source created');
    this.deps.changed?.(source.sourceId);
    return SourceCatalog.view(source);
  }

  async update(
    sourceId: string,
    patch: DataSourcePatch,
    actor: string,
    reason: string,
    origin: SourceOrigin = 'api',
  ): Promise<DataSourceView> {
    const updated = await this.deps.events.transaction(async (manager) => {
      const previous = await this.stored(sourceId, manager, true);
      const next = this.prepare(
        {
          source_id: sourceId,
          source_type: previous.sourceType,
          source_name: patch.source_name,
          // Unchanged secrets go through as masks, which keep their stored values.
          connection_config:
            patch.connection_config ?? SourceSecretBox.mask(previous.connectionConfig),
          mapping_rules: (patch.mapping_rules ?? previous.mappingRules) as Record<string, unknown>,
          polling_interval: patch.polling_interval,
          enabled: patch.enabled,
        },
        origin,
        previous,
      );
      await this.deps.store.update(manager, next);
      await this.recordChange(manager, sourceId, previous, next, actor, reason);
      return next;
    });
    this.deps.logger.info({ sourceId, actor }, 'data source updated');
    this.deps.changed?.(sourceId);
    return SourceCatalog.view(updated);
  }

  setEnabled(
    sourceId: string,
    enabled: boolean,
    actor: string,
    reason: string,
  ): Promise<DataSourceView> {
    return this.update(sourceId, { enabled }, actor, reason);
  }

  async delete(sourceId: string, actor: string, reason: string): Promise<void> {
    await this.deps.events.transaction(async (manager) => {
      const previous = await this.stored(sourceId, manager, true);
      await this.deps.store.delete(manager, sourceId);
      await this.recordChange(manager, sourceId, previous, undefined, actor, reason);
    });
    this.deps.logger.info({ sourceId, actor }, 'data source deleted');
    this.deps.changed?.(sourceId);
  }

  /**
   * Applies the configuration file at start-up, all or nothing: every entry is checked first (one
   * error lists every problem, naming the entry), then sources that differ are created or updated
   * with actor `config-file`. Replicas starting together apply it one at a time.
   */
  async applyFile(
    entries: readonly SourcesFileEntry[],
    file: string,
  ): Promise<{ created: number; updated: number; unchanged: number }> {
    const outcome = await this.deps.events.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SOURCES_FILE_LOCK]);
      const problems: string[] = [];
      const planned: { previous?: StoredDataSource; next: StoredDataSource }[] = [];
      for (const [index, entry] of entries.entries()) {
        const at = `data_sources[${index}] (${entry.source_id})`;
        const previous = await this.deps.store.get(entry.source_id, manager, true);
        try {
          if (entry.connection_config !== undefined) {
            planned.push({
              previous,
              next: this.prepare(
                { ...entry, connection_config: entry.connection_config },
                'file',
                previous,
              ),
            });
          } else if (!previous) {
            problems.push(
              `${at}: not in data_sources, and the entry has no connection_config to create it`,
            );
          } else if (previous.connectorClass !== entry.connector_class) {
            problems.push(
              `${at}.connector_class ${entry.connector_class} does not match the stored source (${previous.connectorClass})`,
            );
          } else {
            planned.push({
              previous,
              next: {
                ...previous,
                sourceName: entry.source_name ?? previous.sourceName,
                mappingRules:
                  entry.mapping_rules === undefined
                    ? previous.mappingRules
                    : validateMappingRules(entry.mapping_rules),
                pollingInterval: entry.polling_interval,
                enabled: entry.enabled,
                origin: 'file',
                updatedAt: new Date(),
              },
            });
          }
        } catch (error) {
          const issues = issuesOf(error);
          if (error instanceof DomainError) problems.push(`${at}: ${error.message}`);
          else if (issues) problems.push(...issues.map((i) => `${at}: ${i.message}`));
          else throw error;
        }
      }
      if (problems.length > 0) throw new SourcesFileError(file, problems);
      const counts = { created: 0, updated: 0, unchanged: 0 };
      for (const { previous, next } of planned) {
        if (!previous) {
          await this.deps.store.insert(manager, next);
          counts.created++;
        } else if (this.sameDefinition(previous, next)) {
          counts.unchanged++;
          continue;
        } else {
          await this.deps.store.update(manager, next);
          counts.updated++;
        }
        await this.recordChange(
          manager,
          next.sourceId,
          previous,
          next,
          'config-file',
          'configuration-as-code',
        );
      }
      return counts;
    });
    this.deps.logger.info({ file, ...outcome }, 'data sources file applied');
    for (const entry of entries) this.deps.changed?.(entry.source_id);
    return outcome;
  }

  /** Same settings and same secrets (sealed values differ by IV, so secrets compare opened). */
  private sameDefinition(a: StoredDataSource, b: StoredDataSource): boolean {
    const settings = (s: StoredDataSource) =>
      canonicalJson([
        s.sourceName,
        s.sourceType,
        s.connectorClass,
        s.mappingRules,
        s.pollingInterval,
        s.enabled,
        s.origin,
      ]);
    if (settings(a) !== settings(b)) return false;
    try {
      return (
        canonicalJson(this.deps.secrets.open(a.connectionConfig)) ===
        canonicalJson(this.deps.secrets.open(b.connectionConfig))
      );
    } catch {
      return false;
    }
  }

  /** Builds the connector of a stored source (secrets opened); throws when it cannot be built. */
  connectorOf(source: StoredDataSource, logger: ConnectorLogger): SourceConnector {
    const opened = this.deps.secrets.open(source.connectionConfig);
    return this.deps.connectors.create(
      { sourceType: source.sourceType, connectorClass: source.connectorClass },
      opened,
      { sourceId: source.sourceId, logger },
    );
  }

  /** Blanks a source's secret values in a text (for messages not produced by its connector). */
  redactorOf(source: StoredDataSource): (text: string) => string {
    let values: string[] = [];
    try {
      values = SourceSecretBox.secretValues(
        source.connectionConfig,
        this.deps.secrets.open(source.connectionConfig),
      ).sort((a, b) => b.length - a.length);
    } catch {
      // Secrets that cannot be opened cannot leak either.
    }
    return (text) => values.reduce((out, secret) => out.split(secret).join('[REDACTED]'), text);
  }

  /** Runs the connector's connection test on a fresh connector of the stored configuration. */
  async test(sourceId: string, logger: ConnectorLogger): Promise<ConnectionTestView> {
    const source = await this.stored(sourceId);
    let connector: SourceConnector;
    try {
      connector = this.connectorOf(source, logger);
    } catch (error) {
      const issues = issuesOf(error);
      const message = issues
        ? issues.map((i) => i.message).join('; ')
        : this.redactorOf(source)(error instanceof Error ? error.message : String(error));
      return { ok: false, stage: 'config', message, latency_ms: 0 };
    }
    try {
      const result = await connector.testConnection();
      return {
        ok: result.ok,
        stage: result.stage,
        message: result.message,
        latency_ms: result.latencyMs,
      };
    } finally {
      await connector.close().catch(() => undefined);
    }
  }

  /** Stages a config.changes.v1 event for a source created, changed or deleted. */
  async recordChange(
    manager: EntityManager,
    sourceId: string,
    before: StoredDataSource | undefined,
    after: StoredDataSource | undefined,
    actor: string,
    reason: string,
  ): Promise<void> {
    const oldValue = before ? changeValue(SourceCatalog.view(before)) : undefined;
    const newValue = after ? changeValue(SourceCatalog.view(after)) : undefined;
    if (oldValue === newValue) return;
    const changedAt = after?.updatedAt ?? new Date();
    const tenantId = (after ?? before)?.mappingRules.tenant_mapping ?? '';
    const change = create(Topics.ConfigChanges, {
      changeId: randomUUID(),
      tenantId,
      service: 'ingestor',
      key: `datasources.${sourceId}`,
      action: !before
        ? ConfigChangeAction.CREATED
        : !after
          ? ConfigChangeAction.DELETED
          : ConfigChangeAction.UPDATED,
      oldValue,
      newValue,
      redacted:
        SourceSecretBox.holdsSecrets(before?.connectionConfig) ||
        SourceSecretBox.holdsSecrets(after?.connectionConfig),
      actor,
      reason,
      changedAt: timestampFromDate(changedAt),
    });
    await this.deps.events.stage(manager, Topics.ConfigChanges, change, {
      tenant: tenantId || undefined,
      time: changedAt,
    });
  }
}
