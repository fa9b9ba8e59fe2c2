import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '@telcomesh/observability';
import type { CallMonitorConfig } from '../call-monitor.config';
import { AmiCallSource } from './ami/ami-call-source';
import { CccpDispatchSource } from './cccp/cccp-dispatch-source';
import { jsonDispatchClientFactory } from './cccp/json-dispatch-client';
import type { SourceDefinition } from './source-leases';

const SOURCE_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;

class SourceBaseDto {
  @Matches(SOURCE_ID, { message: 'id: lowercase letters, digits, . _ - (max 63), e.g. pbx-paris' })
  id!: string;

  @IsIn(['ami', 'cccp'])
  kind!: 'ami' | 'cccp';

  @IsOptional()
  enabled?: boolean;
}

/** An Asterisk PBX reached over the Manager Interface (manager.conf user with read access). */
export class AmiSourceDto extends SourceBaseDto {
  @IsString()
  @IsNotEmpty()
  host!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  port = 5038;

  @IsString()
  @IsNotEmpty()
  username!: string;

  /** The manager secret; write `${env:NAME}` to keep it out of the file. */
  @IsString()
  @IsNotEmpty()
  secret!: string;

  /** Channel prefixes of trunks (calls from/to them are inbound/outbound), e.g. PJSIP/trunk-. */
  @IsOptional()
  @IsString({ each: true })
  trunk_channel_prefixes?: string[];

  /** Dialplan contexts trunk channels start in; default from-trunk, from-pstn. */
  @IsOptional()
  @IsString({ each: true })
  trunk_contexts?: string[];

  /** Wrap-up seconds per queue (AMI does not report a queue's wrapuptime). */
  @IsOptional()
  @IsObject()
  queue_wrap_up_seconds?: Record<string, number>;
}

/** A view-based dispatch server (CCCP-style) speaking the JSON view protocol over a websocket. */
export class CccpSourceDto extends SourceBaseDto {
  @Matches(/^wss?:\/\/[^\s@]+$/, { message: 'url: ws:// or wss:// URL without credentials' })
  url!: string;

  @IsString()
  @IsNotEmpty()
  user!: string;

  @IsString()
  @IsNotEmpty()
  password!: string;

  @IsOptional()
  @IsIn(['auto', 'poll'])
  updates?: 'auto' | 'poll';

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(500)
  @Max(600_000)
  poll_interval_ms?: number;
}

export class SourceConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`call-monitor sources: ${problems.join('; ')}`);
    this.name = 'SourceConfigError';
  }
}

function flatten(errors: ValidationError[], prefix: string, out: string[]): void {
  for (const e of errors) {
    const path = `${prefix}.${e.property}`;
    for (const message of Object.values(e.constraints ?? {})) out.push(`${path}: ${message}`);
    if (e.children) flatten(e.children, path, out);
  }
}

/** `${env:NAME}` → the variable's value; a missing variable is an error naming it (not its value). */
function resolveSecret(value: string, where: string, env: NodeJS.ProcessEnv, problems: string[]) {
  const ref = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
  if (!ref) return value;
  const resolved = env[ref[1]];
  if (resolved === undefined || resolved === '') {
    problems.push(`${where}: environment variable ${ref[1]} is not set`);
    return '';
  }
  return resolved;
}

function loggerFor(logger: Logger, sourceId: string) {
  const child = logger.child({ sourceId });
  return {
    debug: (message: string, context?: Record<string, unknown>) =>
      child.debug(context ?? {}, message),
    info: (message: string, context?: Record<string, unknown>) =>
      child.info(context ?? {}, message),
    warn: (message: string, context?: Record<string, unknown>) =>
      child.warn(context ?? {}, message),
    error: (message: string, context?: Record<string, unknown>) =>
      child.error(context ?? {}, message),
  };
}

/**
 * Reads the configured sources (CALL_MONITOR_SOURCES_FILE, then CALL_MONITOR_SOURCES), validates
 * each by its kind, and returns how to build each adapter. Any problem stops start-up with every
 * bad field named (`sources[1].port: ...`); secrets are never part of a message.
 */
export function loadSourceDefinitions(
  config: CallMonitorConfig,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): SourceDefinition[] {
  const raw: unknown[] = [];
  if (config.CALL_MONITOR_SOURCES_FILE) {
    const parsed = parseYaml(readFileSync(config.CALL_MONITOR_SOURCES_FILE, 'utf8')) as unknown;
    const list = Array.isArray(parsed) ? parsed : (parsed as { sources?: unknown })?.sources;
    if (!Array.isArray(list)) {
      throw new SourceConfigError([
        `${config.CALL_MONITOR_SOURCES_FILE}: expected a list of sources (or "sources:" with one)`,
      ]);
    }
    raw.push(...(list as unknown[]));
  }
  if (config.CALL_MONITOR_SOURCES) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(config.CALL_MONITOR_SOURCES);
    } catch {
      throw new SourceConfigError(['CALL_MONITOR_SOURCES: not valid JSON']);
    }
    raw.push(...(Array.isArray(parsed) ? (parsed as unknown[]) : [parsed]));
  }
  return parseSourceDefinitions(raw, logger, env);
}

export function parseSourceDefinitions(
  raw: unknown[],
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): SourceDefinition[] {
  const problems: string[] = [];
  const definitions: SourceDefinition[] = [];
  const ids = new Set<string>();
  raw.forEach((item, i) => {
    const where = `sources[${i}]`;
    const kind = (item as { kind?: unknown } | null)?.kind;
    const dtoClass = kind === 'ami' ? AmiSourceDto : kind === 'cccp' ? CccpSourceDto : undefined;
    if (!dtoClass) {
      problems.push(`${where}.kind: must be one of ami, cccp`);
      return;
    }
    const dto: AmiSourceDto | CccpSourceDto = plainToInstance<AmiSourceDto | CccpSourceDto, object>(
      dtoClass,
      item as object,
    );
    const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
    const before = problems.length;
    flatten(errors, where, problems);
    if (problems.length > before) return;
    if (ids.has(dto.id)) problems.push(`${where}.id: ${dto.id} is used twice`);
    ids.add(dto.id);
    if (dto.enabled === false) return;
    if (dto instanceof AmiSourceDto) {
      const secret = resolveSecret(dto.secret, `${where}.secret`, env, problems);
      definitions.push({
        sourceId: dto.id,
        kind: 'ami',
        create: () =>
          new AmiCallSource({
            sourceId: dto.id,
            connection: { host: dto.host, port: dto.port, username: dto.username, secret },
            tracker: {
              trunks: {
                ...(dto.trunk_channel_prefixes
                  ? { channelPrefixes: dto.trunk_channel_prefixes }
                  : {}),
                ...(dto.trunk_contexts ? { contexts: dto.trunk_contexts } : {}),
              },
              queueWrapUpSeconds: dto.queue_wrap_up_seconds,
            },
            logger: loggerFor(logger, dto.id),
          }),
      });
    } else if (dto instanceof CccpSourceDto) {
      const password = resolveSecret(dto.password, `${where}.password`, env, problems);
      definitions.push({
        sourceId: dto.id,
        kind: 'cccp',
        create: () =>
          new CccpDispatchSource({
            sourceId: dto.id,
            client: jsonDispatchClientFactory({ url: dto.url, user: dto.user, password }),
            updates: dto.updates,
            pollIntervalMs: dto.poll_interval_ms,
            logger: loggerFor(logger, dto.id),
          }),
      });
    }
  });
  if (problems.length > 0) throw new SourceConfigError(problems);
  return definitions;
}
