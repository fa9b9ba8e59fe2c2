import type { ConnectorDeps } from '../connector';
import { systemClock, type Clock } from '../http/clock';
import {
  silentLogger,
  type ConnectorLogger,
  type HttpSourceClient,
} from '../http/http-source-client';
import { SecretRedactor } from '../http/redaction';
import { backoffDelayMs, isRetryableStatus } from '../http/retry-policy';
import { SourceError } from '../http/source-error';
import { asItem, type Item } from '../item-fields';
import { createServiceNowClient, retryPolicyOfServiceNow, tablePath } from './servicenow-client';
import type { ServiceNowConfig } from './servicenow-config';
import { fieldOf } from './servicenow-records';

export type WriteBackErrorCode =
  /** The call itself is wrong (sys_id, empty text): fix the caller. */
  | 'invalid'
  | 'not_found'
  /** The instance refused the change (data policy, ACL, invalid value). */
  | 'rejected'
  /** The incident is in a state the change makes no sense in (resolving a canceled one). */
  | 'conflict'
  | 'auth'
  /** The instance did not answer usably within the retries. */
  | 'unavailable';

/** A write-back that did not happen; the message names the incident and why (never a secret). */
export class ServiceNowWriteBackError extends Error {
  override readonly name = 'ServiceNowWriteBackError';

  constructor(
    readonly code: WriteBackErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface WriteBackOutcome {
  /** `already_applied`: the incident already had it before this call, nothing was written. */
  status: 'applied' | 'already_applied';
  /** Attempts made (1 when the first went through). */
  attempts: number;
}

export interface IncidentResolution {
  /** `close_code`, e.g. `Solved (Permanently)`. */
  closeCode: string;
  /** `close_notes`. */
  closeNotes: string;
}

const SYS_ID = /^[0-9a-f]{32}$/;
/** Incident states that already count as resolved: 6 Resolved, 7 Closed. */
const RESOLVED_STATES = ['6', '7'];
const CANCELED_STATE = '8';
/** Header line of each entry in a journal field's display value. */
const JOURNAL_ENTRY_HEADER = /^[^\n]*\(Work notes\)\n/m;

/**
 * The work notes already on an incident, in the shapes an instance gives them: the journal's
 * display text (`<time> - <user> (Work notes)\n<text>`), or a list of entries.
 */
export function workNotesOf(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((entry) => {
      const text =
        typeof entry === 'string'
          ? entry
          : typeof entry === 'object' && entry !== null
            ? (entry as { value?: unknown }).value
            : undefined;
      return typeof text === 'string' ? [text.trim()] : [];
    });
  }
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null
        ? (value as { display_value?: unknown }).display_value
        : undefined;
  if (typeof text !== 'string' || text.trim() === '') return [];
  return text
    .split(new RegExp(JOURNAL_ENTRY_HEADER.source, 'gm'))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * Writes to ServiceNow incidents through the Table API (PATCH): work notes and resolutions.
 *
 * Idempotent: each attempt first reads the incident and writes only what it lacks, so calling
 * twice, or retrying after an answer was lost (the PATCH may have been applied), never adds a
 * second note or a second resolution. A note whose exact text is already on the incident is
 * therefore not added again. Requests that fail transiently (timeouts, dropped connections, 429,
 * 5xx) are retried with backoff, honouring Retry-After; refusals (404, 400, 403) are not.
 */
export class ServiceNowWriteBack {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly logger: ConnectorLogger;

  constructor(
    private readonly client: HttpSourceClient,
    private readonly config: ServiceNowConfig,
    deps: ConnectorDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.random = deps.random ?? Math.random;
    this.logger = deps.logger ?? silentLogger;
  }

  /** A write-back with a client of its own, for callers that hold no connector. */
  static forSource(config: ServiceNowConfig, deps: ConnectorDeps): ServiceNowWriteBack {
    return new ServiceNowWriteBack(
      createServiceNowClient(config, deps, new SecretRedactor()),
      config,
      deps,
    );
  }

  /** Adds `text` as a work note, unless the incident already has that exact note. */
  async addWorkNote(sysId: string, text: string): Promise<WriteBackOutcome> {
    checkSysId(sysId);
    const note = typeof text === 'string' ? text.trim() : '';
    if (note === '') {
      throw new ServiceNowWriteBackError('invalid', `work note for incident ${sysId} is empty`);
    }
    return this.write(sysId, 'add a work note', { work_notes: note }, (incident) =>
      workNotesOf(incident.work_notes).includes(note),
    );
  }

  /** Resolves the incident (state 6 with close code and notes), unless it is resolved or closed. */
  async resolveIncident(sysId: string, resolution: IncidentResolution): Promise<WriteBackOutcome> {
    checkSysId(sysId);
    const closeCode = resolution?.closeCode?.trim() ?? '';
    const closeNotes = resolution?.closeNotes?.trim() ?? '';
    if (closeCode === '' || closeNotes === '') {
      throw new ServiceNowWriteBackError(
        'invalid',
        `resolving incident ${sysId} needs a closeCode and closeNotes (ServiceNow's data policy)`,
      );
    }
    if (closeNotes.length > 4000) {
      throw new ServiceNowWriteBackError(
        'invalid',
        `closeNotes for incident ${sysId} is ${closeNotes.length} characters; at most 4000`,
      );
    }
    return this.write(
      sysId,
      'resolve',
      { state: '6', close_code: closeCode, close_notes: closeNotes },
      (incident) => {
        const state = fieldOf(incident, 'state').value;
        if (state === CANCELED_STATE) {
          throw new ServiceNowWriteBackError(
            'conflict',
            `incident ${sysId} is canceled; not resolving it`,
          );
        }
        return RESOLVED_STATES.includes(state);
      },
    );
  }

  /** Reads the incident, writes `body` unless `done` says it is there already; retries. */
  private async write(
    sysId: string,
    what: string,
    body: Record<string, string>,
    done: (incident: Item) => boolean,
  ): Promise<WriteBackOutcome> {
    const policy = retryPolicyOfServiceNow(this.config);
    const path = tablePath(this.config, 'incident', sysId);
    // Once a PATCH may have reached the instance, finding the change there means it was ours.
    let mayHaveWritten = false;
    for (let attempt = 1; ; attempt++) {
      try {
        if (done(await this.readIncident(path))) {
          return { status: mayHaveWritten ? 'applied' : 'already_applied', attempts: attempt };
        }
        mayHaveWritten = true;
        await this.client.send({
          method: 'PATCH',
          path,
          query: { sysparm_fields: 'sys_id' },
          body,
          retry: false,
        });
        return { status: 'applied', attempts: attempt };
      } catch (error) {
        if (error instanceof ServiceNowWriteBackError) throw error;
        const failure = this.refusal(error, sysId, what);
        if (failure.code !== 'unavailable' || attempt >= policy.maxAttempts) throw failure;
        const source = error as SourceError;
        const delayMs =
          source.retryAtMs !== undefined
            ? Math.max(0, source.retryAtMs - this.clock.now())
            : backoffDelayMs(attempt, policy, this.random);
        if (delayMs > policy.maxRetryAfterMs) throw failure;
        this.logger.warn({ sysId, attempt, delayMs }, `${failure.message}; retrying`);
        await this.clock.sleep(delayMs);
      }
    }
  }

  private async readIncident(path: string): Promise<Item> {
    const response = await this.client.send({
      path,
      query: { sysparm_fields: 'sys_id,state,work_notes', sysparm_display_value: 'all' },
      retry: false,
    });
    const body = response.json();
    const result =
      typeof body === 'object' && body !== null ? (body as { result?: unknown }).result : undefined;
    try {
      return asItem(result);
    } catch {
      throw new SourceError('parse', `${response.target}: expected { "result": { ... } }`);
    }
  }

  /** What a failed exchange means for the caller; `unavailable` ones are worth another attempt. */
  private refusal(error: unknown, sysId: string, what: string): ServiceNowWriteBackError {
    const prefix = `could not ${what} on incident ${sysId}`;
    if (!(error instanceof SourceError)) {
      const message = error instanceof Error ? error.message : String(error);
      return new ServiceNowWriteBackError(
        'unavailable',
        this.client.redact(`${prefix}: ${message}`),
      );
    }
    const message = `${prefix}: ${error.message}`;
    if (error.status === 404) return new ServiceNowWriteBackError('not_found', message);
    // ServiceNow answers 403 for ACLs and data policies: the change is refused, not the login.
    if (error.status === 403) return new ServiceNowWriteBackError('rejected', message);
    if (error.kind === 'auth') return new ServiceNowWriteBackError('auth', message);
    const status = error.status ?? 0;
    if (status >= 400 && status < 500 && !isRetryableStatus(status)) {
      return new ServiceNowWriteBackError('rejected', message);
    }
    // Timeouts, dropped connections, 408/429/5xx, and a garbled answer to the read: transient.
    return new ServiceNowWriteBackError('unavailable', message);
  }
}

function checkSysId(sysId: string): void {
  if (typeof sysId !== 'string' || !SYS_ID.test(sysId)) {
    throw new ServiceNowWriteBackError(
      'invalid',
      `sys_id ${JSON.stringify(String(sysId).slice(0, 40))} is not a ServiceNow sys_id (32 hex digits)`,
    );
  }
}
