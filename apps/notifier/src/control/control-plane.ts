import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  ConfigChangeAction,
  create,
  Topics,
  timestampFromDate,
  type ConfigChange,
} from '@telcomesh/contracts';
import type { EventOutbox } from '@telcomesh/messaging';
import type {
  Integration,
  IntegrationCatalog,
  IntegrationDeps,
} from '@telcomesh/notifier-integrations';
import { RoutingConfigError } from '@telcomesh/notifier-routing';
import { DomainError, ErrorCode, type ServiceRuntime } from '@telcomesh/platform';
import {
  applySettingsDocument,
  DEFAULT_SETTINGS,
  isSettingsDocument,
  parseSettingsDocument,
  type NotifierSettings,
  type SettingsDocument,
} from './notifier-settings';
import { SecretBox, SecretError } from './secret-box';

/** Where a change came from: the API, the configuration file, or an approved request. */
export type ChangeOrigin = 'api' | 'file' | 'approval';

/** A configuration key: `integrations.<name>` for an integration, `integrations.<document>` for settings. */
export type ConfigTarget =
  { kind: 'integration'; name: string } | { kind: 'document'; name: SettingsDocument };

/** A validated change, secrets already sealed, ready to apply now or after approval. */
export interface PreparedChange {
  key: string;
  target: ConfigTarget;
  action: 'put' | 'delete';
  /** Stored form: for integrations `{ type, enabled, config }` with sealed secrets. */
  value?: unknown;
}

export interface StoredIntegration {
  type: string;
  enabled: boolean;
  config: Record<string, unknown>;
}

/** One integration as the notifier holds it. */
export interface IntegrationEntry {
  name: string;
  type: string;
  enabled: boolean;
  origin: string;
  version: number;
  updatedAt: Date;
  updatedBy: string;
  stored: Record<string, unknown>;
  /** Built when the config opens and validates; otherwise `error` says why (deliveries wait). */
  integration?: Integration;
  error?: string;
  /** Secret values of the opened config, scrubbed from every message we keep or show. */
  secrets: string[];
}

interface IntegrationRow {
  name: string;
  type: string;
  config: Record<string, unknown>;
  enabled: boolean;
  origin: string;
  version: number;
  updated_at: Date;
  updated_by: string;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const KEY_PREFIX = 'integrations.';

function invalid(message: string, problems?: string[]): DomainError {
  return new DomainError(ErrorCode.InvalidInput, message, problems ? { problems } : undefined);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Replaces every secret value inside `text` with `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

/**
 * The notifier's live configuration: integrations (built from the catalog, secrets opened from
 * the secret box) and the settings documents. Every change goes through `apply`, which writes the
 * row and stages a `config.changes.v1` event (secrets masked) in one transaction; replicas pick
 * changes up by polling the tables' versions.
 */
export class ControlPlane {
  private integrations = new Map<string, IntegrationEntry>();
  private settings: NotifierSettings = { ...DEFAULT_SETTINGS };
  private fingerprint = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly tables: { integrations: string; settings: string };
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly events: EventOutbox,
    readonly catalog: IntegrationCatalog,
    private readonly box: SecretBox,
    private readonly deps: IntegrationDeps = {},
  ) {
    const schema = (runtime.dataSource.options as { schema: string }).schema;
    this.tables = {
      integrations: `"${schema}"."integrations"`,
      settings: `"${schema}"."settings"`,
    };
  }

  get current(): NotifierSettings {
    return this.settings;
  }

  entries(): IntegrationEntry[] {
    return [...this.integrations.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  entry(name: string): IntegrationEntry | undefined {
    return this.integrations.get(name);
  }

  /** Enabled integrations whose config built: what the delivery worker drains. */
  live(): Map<string, Integration> {
    const out = new Map<string, Integration>();
    for (const entry of this.integrations.values()) {
      if (entry.enabled && entry.integration) out.set(entry.name, entry.integration);
    }
    return out;
  }

  onReload(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Reads everything; called at start, after each change, and when another replica changed something. */
  async load(): Promise<void> {
    const [rows, documents, fingerprint] = await Promise.all([
      this.runtime.dataSource.query<IntegrationRow[]>(`SELECT * FROM ${this.tables.integrations}`),
      this.runtime.dataSource.query<{ key: string; value: unknown; origin: string }[]>(
        `SELECT "key", "value", "origin" FROM ${this.tables.settings}`,
      ),
      this.readFingerprint(),
    ]);
    const integrations = new Map<string, IntegrationEntry>();
    for (const row of rows) integrations.set(row.name, this.build(row));
    const settings: NotifierSettings = { ...DEFAULT_SETTINGS };
    const values = new Map<string, unknown>();
    const origins = new Map<string, string>();
    for (const { key, value, origin } of documents) {
      if (!isSettingsDocument(key)) continue;
      values.set(key, value);
      origins.set(key, origin);
      try {
        applySettingsDocument(settings, key, value);
      } catch (error) {
        // Stored documents were validated when written; a later, stricter version must not stop us.
        this.runtime.logger.error(
          { key, err: error },
          'stored settings document is invalid; ignored',
        );
      }
    }
    this.integrations = integrations;
    this.settings = settings;
    this.documentValues = values;
    this.documentOrigins = origins;
    this.fingerprint = fingerprint;
    for (const listener of this.listeners) listener();
  }

  /** Polls for changes made by other replicas. */
  watch(intervalMs = 2_000): void {
    const tick = async () => {
      try {
        if ((await this.readFingerprint()) !== this.fingerprint) await this.load();
      } catch (error) {
        this.runtime.logger.warn({ err: error }, 'configuration poll failed; retrying');
      }
      if (this.timer) this.timer = setTimeout(() => void tick(), intervalMs);
    };
    this.timer = setTimeout(() => void tick(), intervalMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  parseKey(key: string): ConfigTarget {
    if (!key.startsWith(KEY_PREFIX)) {
      throw invalid(`key "${key}" must start with "${KEY_PREFIX}"`);
    }
    const name = key.slice(KEY_PREFIX.length);
    if (isSettingsDocument(name)) return { kind: 'document', name };
    if (!NAME.test(name)) {
      throw invalid(
        `integration name "${name}" must be 1-63 lower-case letters, digits, _ or -, starting with a letter or digit`,
      );
    }
    return { kind: 'integration', name };
  }

  /**
   * Validates a change and seals its secrets. An integration is written
   * `{ type?, enabled?, ...config }` (the type defaults to the name, as in `integrations.slack`);
   * a secret sent back as the mask keeps the stored one.
   */
  prepare(key: string, value: unknown): PreparedChange {
    const target = this.parseKey(key);
    if (value === undefined) {
      if (target.kind === 'integration' && !this.integrations.has(target.name)) {
        throw new DomainError(ErrorCode.NotFound, `integration ${target.name} does not exist`);
      }
      return { key, target, action: 'delete' };
    }
    if (target.kind === 'document') {
      try {
        parseSettingsDocument(target.name, value);
      } catch (error) {
        if (error instanceof RoutingConfigError) {
          throw invalid(`${key}: ${error.problems.join('; ')}`, error.problems);
        }
        throw error;
      }
      return { key, target, action: 'put', value };
    }
    if (!isRecord(value)) throw invalid(`${key}: must be an object`);
    const { type: rawType, enabled: rawEnabled, ...config } = value;
    const type = typeof rawType === 'string' ? rawType : target.name;
    if (!this.catalog.has(type)) {
      throw invalid(
        `${key}.type: unknown integration type "${type}" (known: ${this.catalog
          .types()
          .map((k) => k.type)
          .join(', ')})`,
      );
    }
    if (rawEnabled !== undefined && typeof rawEnabled !== 'boolean') {
      throw invalid(`${key}.enabled: must be true or false`);
    }
    const kind = this.catalog.get(type);
    const previous = this.integrations.get(target.name);
    try {
      const sealed = this.box.seal(
        config,
        kind.secretFields,
        previous?.type === type ? previous.stored : undefined,
      );
      kind.parse(this.box.open(sealed, key));
      const stored: StoredIntegration = {
        type,
        enabled: rawEnabled ?? previous?.enabled ?? true,
        config: sealed,
      };
      return { key, target, action: 'put', value: stored };
    } catch (error) {
      if (error instanceof SecretError) throw invalid(error.message);
      const message = error instanceof Error ? error.message : String(error);
      throw invalid(`${key}: ${message}`);
    }
  }

  /** A change filed earlier (an approval request), already validated and sealed. */
  prepareStored(key: string, stored: unknown): PreparedChange {
    const target = this.parseKey(key);
    return stored === undefined || stored === null
      ? { key, target, action: 'delete' }
      : { key, target, action: 'put', value: stored };
  }

  /** What the API shows for a key: secrets masked, references as written. */
  read(key: string): unknown {
    const target = this.parseKey(key);
    if (target.kind === 'document') return this.documentValue(target.name);
    const entry = this.integrations.get(target.name);
    if (!entry)
      throw new DomainError(ErrorCode.NotFound, `integration ${target.name} does not exist`);
    return { type: entry.type, enabled: entry.enabled, ...SecretBox.reveal(entry.stored) };
  }

  private documentValues = new Map<string, unknown>();
  private documentOrigins = new Map<string, string>();

  /** Keys currently set, with where each came from (the configuration file prunes its own). */
  keys(): { key: string; origin: string }[] {
    return [
      ...[...this.integrations.values()].map((e) => ({
        key: `${KEY_PREFIX}${e.name}`,
        origin: e.origin,
      })),
      ...[...this.documentOrigins].map(([name, origin]) => ({
        key: `${KEY_PREFIX}${name}`,
        origin,
      })),
    ];
  }

  private documentValue(name: SettingsDocument): unknown {
    const value = this.documentValues.get(name);
    if (value === undefined) {
      throw new DomainError(ErrorCode.NotFound, `integrations.${name} is not set (defaults apply)`);
    }
    return value;
  }

  /** Applies a prepared change: row written and `config.changes.v1` staged together. */
  async apply(
    change: PreparedChange,
    actor: string,
    reason: string,
    origin: ChangeOrigin,
    manager?: EntityManager,
  ): Promise<void> {
    const work = async (m: EntityManager) => {
      const oldValue = await this.readStored(m, change);
      if (change.action === 'delete') {
        const table =
          change.target.kind === 'integration' ? this.tables.integrations : this.tables.settings;
        const column = change.target.kind === 'integration' ? 'name' : 'key';
        await m.query(`DELETE FROM ${table} WHERE "${column}" = $1`, [change.target.name]);
      } else if (change.target.kind === 'integration') {
        const stored = change.value as StoredIntegration;
        await m.query(
          `INSERT INTO ${this.tables.integrations} ("name", "type", "config", "enabled", "origin", "updated_by")
           VALUES ($1, $2, $3::jsonb, $4, $5, $6)
           ON CONFLICT ("name") DO UPDATE SET "type" = EXCLUDED."type", "config" = EXCLUDED."config",
             "enabled" = EXCLUDED."enabled", "origin" = EXCLUDED."origin", "updated_by" = EXCLUDED."updated_by",
             "version" = ${this.tables.integrations}."version" + 1, "updated_at" = now()`,
          [
            change.target.name,
            stored.type,
            JSON.stringify(stored.config),
            stored.enabled,
            origin,
            actor,
          ],
        );
      } else {
        await m.query(
          `INSERT INTO ${this.tables.settings} ("key", "value", "origin", "updated_by") VALUES ($1, $2::jsonb, $3, $4)
           ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "origin" = EXCLUDED."origin",
             "updated_by" = EXCLUDED."updated_by", "version" = ${this.tables.settings}."version" + 1, "updated_at" = now()`,
          [change.target.name, JSON.stringify(change.value), origin, actor],
        );
      }
      const newValue = change.action === 'delete' ? undefined : this.shown(change);
      await this.events.stage(
        m,
        Topics.ConfigChanges,
        create(Topics.ConfigChanges, {
          changeId: randomUUID(),
          service: 'notifier',
          key: change.key,
          action:
            change.action === 'delete'
              ? ConfigChangeAction.DELETED
              : oldValue === undefined
                ? ConfigChangeAction.CREATED
                : ConfigChangeAction.UPDATED,
          ...(oldValue !== undefined ? { oldValue } : {}),
          ...(newValue !== undefined ? { newValue } : {}),
          redacted: change.target.kind === 'integration',
          actor,
          reason: reason || `${origin} change`,
          changedAt: timestampFromDate(new Date()),
        } satisfies Partial<ConfigChange>),
      );
    };
    if (manager) await work(manager);
    else await this.events.transaction(work);
    if (!manager) await this.load();
  }

  /** Whether a prepared change would change anything (the configuration file is re-applied at each start). */
  async differs(change: PreparedChange): Promise<boolean> {
    const current = await this.readStored(this.runtime.dataSource.manager, change);
    const next = change.action === 'delete' ? undefined : this.shown(change);
    return current !== next;
  }

  private shown(change: PreparedChange): string {
    if (change.target.kind !== 'integration') return JSON.stringify(change.value);
    const stored = change.value as StoredIntegration;
    return JSON.stringify({
      type: stored.type,
      enabled: stored.enabled,
      ...SecretBox.reveal(stored.config),
    });
  }

  private async readStored(m: EntityManager, change: PreparedChange): Promise<string | undefined> {
    if (change.target.kind === 'integration') {
      const rows = await m.query<IntegrationRow[]>(
        `SELECT * FROM ${this.tables.integrations} WHERE "name" = $1`,
        [change.target.name],
      );
      const row = rows[0];
      return row
        ? JSON.stringify({ type: row.type, enabled: row.enabled, ...SecretBox.reveal(row.config) })
        : undefined;
    }
    const rows = await m.query<{ value: unknown }[]>(
      `SELECT "value" FROM ${this.tables.settings} WHERE "key" = $1`,
      [change.target.name],
    );
    return rows[0] ? JSON.stringify(rows[0].value) : undefined;
  }

  private async readFingerprint(): Promise<string> {
    const rows = await this.runtime.dataSource.query<{ f: string }[]>(
      `SELECT concat_ws('/', (SELECT count(*) || ':' || coalesce(sum("version"), 0) || ':' || coalesce(max("updated_at")::text, '') FROM ${this.tables.integrations}),
                             (SELECT count(*) || ':' || coalesce(sum("version"), 0) || ':' || coalesce(max("updated_at")::text, '') FROM ${this.tables.settings})) AS f`,
    );
    return rows[0]?.f ?? '';
  }

  private build(row: IntegrationRow): IntegrationEntry {
    const entry: IntegrationEntry = {
      name: row.name,
      type: row.type,
      enabled: row.enabled,
      origin: row.origin,
      version: row.version,
      updatedAt: new Date(row.updated_at),
      updatedBy: row.updated_by,
      stored: row.config,
      secrets: [],
    };
    try {
      const kind = this.catalog.get(row.type);
      const opened = this.box.open(row.config, `integrations.${row.name}`);
      entry.secrets = SecretBox.secretsOf(opened, kind.secretFields);
      entry.integration = kind.create(kind.parse(opened), this.deps);
    } catch (error) {
      entry.error = scrub(error instanceof Error ? error.message : String(error), entry.secrets);
      this.runtime.logger.error(
        { integration: row.name, error: entry.error },
        'integration cannot be built; its deliveries wait until it is fixed',
      );
    }
    return entry;
  }
}
