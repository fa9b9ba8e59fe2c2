import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { parseSilences, RoutingConfigError } from '@telcomesh/notifier-routing';
import { DomainError } from '@telcomesh/platform';
import type { Logger } from '@telcomesh/observability';
import type { SilenceBook } from '../silences/silence-book';
import type { ControlPlane, PreparedChange } from './control-plane';

/** The integration the first notifier delivered to, kept as configuration from the environment. */
export const PLATFORM_WEBHOOK = 'platform-webhook';

export interface ConfigAsCode {
  /** The seed's `integrations.<name>` keys: integrations and the settings documents. */
  integrations: Record<string, unknown>;
  silences: unknown[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the YAML (or JSON) file; throws naming the file and what is wrong with its shape. */
export async function readConfigFile(path: string): Promise<ConfigAsCode> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(
      `NOTIFIER_CONFIG_FILE ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (raw === null || raw === undefined) return { integrations: {}, silences: [] };
  if (!isRecord(raw)) throw new Error(`NOTIFIER_CONFIG_FILE ${path}: must be a mapping`);
  const unknown = Object.keys(raw).filter((k) => k !== 'integrations' && k !== 'silences');
  if (unknown.length > 0) {
    throw new Error(
      `NOTIFIER_CONFIG_FILE ${path}: unknown top-level keys ${unknown.join(', ')} (expected integrations, silences)`,
    );
  }
  if (raw.integrations !== undefined && !isRecord(raw.integrations)) {
    throw new Error(
      `NOTIFIER_CONFIG_FILE ${path}: integrations must be a mapping of name to settings`,
    );
  }
  if (raw.silences !== undefined && !Array.isArray(raw.silences)) {
    throw new Error(`NOTIFIER_CONFIG_FILE ${path}: silences must be a list`);
  }
  return {
    integrations: raw.integrations ?? {},
    silences: (raw.silences as unknown[] | undefined) ?? [],
  };
}

/**
 * NOTIFIER_WEBHOOK_URL (the one-variable setup of embedded mode and the first notifier) becomes
 * an integration plus a rule sending it every notification.
 */
export function withPlatformWebhook(
  config: ConfigAsCode,
  env: { NOTIFIER_WEBHOOK_URL?: string; NOTIFIER_WEBHOOK_SECRET?: string },
): ConfigAsCode {
  if (!env.NOTIFIER_WEBHOOK_URL) return config;
  const integrations = { ...config.integrations };
  integrations[PLATFORM_WEBHOOK] = {
    type: 'webhook',
    url: '${env:NOTIFIER_WEBHOOK_URL}',
    ...(env.NOTIFIER_WEBHOOK_SECRET ? { secret: '${env:NOTIFIER_WEBHOOK_SECRET}' } : {}),
  };
  const trigger = { patterns: ['**'], integrations: [PLATFORM_WEBHOOK], urgency: 'low' };
  const notifications = integrations.notifications;
  if (notifications === undefined) {
    integrations.notifications = { triggers: { [PLATFORM_WEBHOOK]: trigger } };
  } else if (isRecord(notifications) && isRecord(notifications.triggers)) {
    integrations.notifications = {
      ...notifications,
      triggers: { ...notifications.triggers, [PLATFORM_WEBHOOK]: trigger },
    };
  } else if (Array.isArray(notifications)) {
    integrations.notifications = [
      ...(notifications as unknown[]),
      { name: PLATFORM_WEBHOOK, ...trigger },
    ];
  }
  return { ...config, integrations };
}

/**
 * Applies configuration-as-code at start-up: every key is validated first (one error lists every
 * problem, and nothing is applied when there is one), then keys that differ are written with
 * actor `config-file` (each a config.changes.v1 event), and keys this file set before but no
 * longer holds are deleted. Changes from the file do not wait for approval: the file is reviewed
 * where it is versioned.
 */
export async function applyConfigAsCode(
  config: ConfigAsCode,
  control: ControlPlane,
  silences: SilenceBook,
  logger: Logger,
): Promise<{ applied: number; deleted: number; silences: number }> {
  const problems: string[] = [];
  const changes: PreparedChange[] = [];
  const ordered = Object.entries(config.integrations).sort(
    ([a], [b]) =>
      // Integrations before the documents that name them.
      Number(a === 'notifications' || a === 'approvals') -
      Number(b === 'notifications' || b === 'approvals'),
  );
  for (const [name, value] of ordered) {
    try {
      changes.push(control.prepare(`integrations.${name}`, value));
    } catch (error) {
      problems.push(
        error instanceof DomainError || error instanceof Error ? error.message : String(error),
      );
    }
  }
  let parsedSilences: ReturnType<typeof parseSilences> = [];
  try {
    parsedSilences = parseSilences(config.silences);
  } catch (error) {
    if (!(error instanceof RoutingConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) {
    throw new Error(
      `configuration-as-code is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  let applied = 0;
  for (const change of changes) {
    if (!(await control.differs(change))) continue;
    await control.apply(change, 'config-file', 'configuration-as-code', 'file');
    applied++;
  }
  const wanted = new Set(changes.map((c) => c.key));
  let deleted = 0;
  for (const { key, origin } of control.keys()) {
    if (origin !== 'file' || wanted.has(key)) continue;
    await control.apply(
      control.prepare(key, undefined),
      'config-file',
      'removed from configuration-as-code',
      'file',
    );
    deleted++;
  }
  for (const silence of parsedSilences) await silences.put(silence);
  logger.info(
    { applied, deleted, silences: parsedSilences.length },
    'configuration-as-code applied',
  );
  return { applied, deleted, silences: parsedSilences.length };
}
