import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { SOURCE_ID, SOURCE_ID_RULE } from './source-id';

/**
 * One entry of the seed's worker file (`workers/config/data_sources.yaml`): `source_id`,
 * `connector_class`, `polling_interval` (seconds) and `enabled`. An entry may also carry the whole
 * definition (`source_name`, `source_type`, `connection_config`, `mapping_rules`) to create or
 * replace the source; without it the source must already be in `data_sources`.
 */
export interface SourcesFileEntry {
  source_id: string;
  connector_class: string;
  polling_interval: number;
  enabled: boolean;
  source_name?: string;
  source_type?: string;
  connection_config?: Record<string, unknown>;
  mapping_rules?: Record<string, unknown>;
}

/** Everything wrong with the file, one line per problem, each naming where. */
export class SourcesFileError extends Error {
  override readonly name = 'SourcesFileError';

  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `INGESTOR_SOURCES_FILE ${file} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

const ENTRY_KEYS = [
  'source_id',
  'connector_class',
  'polling_interval',
  'enabled',
  'source_name',
  'source_type',
  'connection_config',
  'mapping_rules',
] as const;

export const MIN_POLLING_INTERVAL_SECONDS = 1;
export const MAX_POLLING_INTERVAL_SECONDS = 86_400;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and checks the file's shape; throws SourcesFileError listing every problem. */
export function parseSourcesFile(text: string, file: string): SourcesFileEntry[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new SourcesFileError(file, [
      `not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    ]);
  }
  if (raw === null || raw === undefined) return [];
  if (!isRecord(raw) || !Array.isArray(raw.data_sources)) {
    throw new SourcesFileError(file, ['must be a mapping with a data_sources list']);
  }
  const problems: string[] = [];
  const unknownTop = Object.keys(raw).filter((key) => key !== 'data_sources');
  if (unknownTop.length > 0) {
    problems.push(`unknown top-level keys ${unknownTop.join(', ')} (expected data_sources)`);
  }
  const entries: SourcesFileEntry[] = [];
  const seen = new Set<string>();
  raw.data_sources.forEach((item: unknown, index: number) => {
    const at = `data_sources[${index}]`;
    if (!isRecord(item)) {
      problems.push(`${at} must be a mapping`);
      return;
    }
    const before = problems.length;
    for (const key of Object.keys(item)) {
      if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
        problems.push(`${at}.${key} is not a known setting (known: ${ENTRY_KEYS.join(', ')})`);
      }
    }
    const { source_id: id, connector_class: connectorClass, polling_interval: interval } = item;
    if (typeof id !== 'string' || !SOURCE_ID.test(id)) {
      problems.push(`${at}.${SOURCE_ID_RULE}`);
    } else if (seen.has(id)) {
      problems.push(`${at}.source_id ${id} appears twice`);
    } else seen.add(id);
    if (typeof connectorClass !== 'string' || connectorClass === '') {
      problems.push(`${at}.connector_class is required (e.g. OSS_NetworkConnector)`);
    }
    if (
      typeof interval !== 'number' ||
      !Number.isInteger(interval) ||
      interval < MIN_POLLING_INTERVAL_SECONDS ||
      interval > MAX_POLLING_INTERVAL_SECONDS
    ) {
      problems.push(
        `${at}.polling_interval must be a whole number of seconds, ${MIN_POLLING_INTERVAL_SECONDS}-${MAX_POLLING_INTERVAL_SECONDS}`,
      );
    }
    if (item.enabled !== undefined && typeof item.enabled !== 'boolean') {
      problems.push(`${at}.enabled must be true or false`);
    }
    for (const key of ['source_name', 'source_type'] as const) {
      if (item[key] !== undefined && (typeof item[key] !== 'string' || item[key] === '')) {
        problems.push(`${at}.${key} must be text`);
      }
    }
    for (const key of ['connection_config', 'mapping_rules'] as const) {
      if (item[key] !== undefined && !isRecord(item[key])) {
        problems.push(`${at}.${key} must be a mapping`);
      }
    }
    if (problems.length > before) return;
    entries.push({
      source_id: id as string,
      connector_class: connectorClass as string,
      polling_interval: interval as number,
      enabled: (item.enabled as boolean | undefined) ?? true,
      source_name: item.source_name as string | undefined,
      source_type: item.source_type as string | undefined,
      connection_config: item.connection_config as Record<string, unknown> | undefined,
      mapping_rules: item.mapping_rules as Record<string, unknown> | undefined,
    });
  });
  if (problems.length > 0) throw new SourcesFileError(file, problems);
  return entries;
}

export async function readSourcesFile(file: string): Promise<SourcesFileEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SourcesFileError(file, [
      `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    ]);
  }
  return parseSourcesFile(text, file);
}
