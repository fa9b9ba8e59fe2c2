import { isIPv6 } from 'node:net';
import * as snmp from 'net-snmp';
import type { ConnectorLogger } from '../http/http-source-client';
import type { SecretRedactor } from '../http/redaction';
import { SourceError, classifyNetworkError } from '../http/source-error';
import { compareOids, isUnderOid } from './oid-catalogue';
import { isV3, usmUser, type SnmpTargetDto } from './snmp-config';

export interface SnmpSessionOptions {
  timeoutMs: number;
  retries: number;
  /** SNMPv3 engine id of this manager, hex. */
  engineId?: string;
  redactor: SecretRedactor;
  logger: ConnectorLogger;
}

/** A subtree that never ends (an agent answering out of order) stops here. */
const MAX_VARBINDS_PER_WALK = 100_000;

/** `host:port` as messages name a target; never carries credentials. */
export function targetLabel(target: Pick<SnmpTargetDto, 'host' | 'port'>): string {
  return isIPv6(target.host) ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** Reasons USM report PDUs give (net-snmp's texts), as they are worded here. */
const USM_REASONS: readonly [string, string][] = [
  ['Wrong Digest', 'authentication failed: wrong auth key or auth protocol'],
  ['Unknown User Name', 'the agent does not know this SNMPv3 user'],
  ['Unsupported Security Level', 'the user does not support this security level'],
  ['Not In Time Window', 'message outside the agent’s time window'],
  ['Unknown Engine ID', 'the agent does not know the engine id'],
  ['Decryption Error', 'the agent could not decrypt the request: wrong priv key or protocol'],
];

const AUTH_STATUSES = new Set<number>([
  snmp.ErrorStatus.AuthorizationError,
  snmp.ErrorStatus.NoAccess,
]);

/**
 * Turns what net-snmp reports into a SourceError naming the stage. net-snmp's own messages can
 * carry the community (a mismatch names both) or digests, so they are never passed on as they are:
 * each case is worded here, and the result still goes through the redactor.
 */
export function snmpFailure(
  error: unknown,
  label: string,
  timeoutMs: number,
  redactor: SecretRedactor,
): SourceError {
  if (error instanceof SourceError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const status = (error as { status?: unknown } | null)?.status;
  const failure = (kind: ConstructorParameters<typeof SourceError>[0], text: string) =>
    new SourceError(kind, redactor.redact(`${label}: ${text}`));
  if (name === 'RequestTimedOutError')
    return failure('timeout', `no answer within ${timeoutMs} ms`);
  if (name === 'AbortError') return failure('aborted', 'aborted');
  if (name === 'ResponseInvalidError') {
    switch (code) {
      case snmp.ResponseInvalidCode.EAuthFailure: {
        const reason = USM_REASONS.find(([text]) => message.includes(text))?.[1];
        return failure('auth', reason ?? 'the answer failed authentication: wrong auth key?');
      }
      case snmp.ResponseInvalidCode.ECouldNotDecrypt:
        return failure('auth', 'could not decrypt the answer: wrong priv key or protocol');
      case 14: // ENotInTimeWindow (net-snmp ≥ 3.27; absent from the typings)
        return failure('auth', 'answer outside the SNMPv3 time window');
      case snmp.ResponseInvalidCode.ECommunityNoMatch:
        return failure('parse', 'the answer carries another community');
      default:
        return failure(
          'parse',
          `malformed answer (${typeof code === 'number' ? (snmp.ResponseInvalidCode[code] ?? code) : 'unreadable'})`,
        );
    }
  }
  if (name === 'RequestFailedError' && typeof status === 'number') {
    const statusName = snmp.ErrorStatus[status] ?? `error-status ${status}`;
    return failure(AUTH_STATUSES.has(status) ? 'auth' : 'http', `the agent answered ${statusName}`);
  }
  if (typeof code === 'string' && code.startsWith('ERR_OSSL')) {
    return failure('auth', `this runtime cannot run the configured privacy protocol (${code})`);
  }
  if (message === 'Socket forcibly closed') return failure('aborted', 'session closed');
  if (typeof code === 'string') {
    const network = classifyNetworkError(error, label, timeoutMs);
    return new SourceError(network.kind, redactor.redact(network.message));
  }
  return failure('http', `request failed (${name || 'error'})`);
}

/**
 * One target's net-snmp session as promises. Requests can be cut short with an AbortSignal: the
 * session's outstanding requests are cancelled and the promise rejects with the signal's reason,
 * so a deadline frees its slot at once instead of waiting for net-snmp's retries.
 */
export class SnmpSession {
  readonly label: string;
  /** Answers received (PDUs). */
  responses = 0;
  /** Varbinds received. */
  varbinds = 0;
  private readonly session: snmp.Session;
  private closed = false;

  constructor(
    target: SnmpTargetDto,
    private readonly options: SnmpSessionOptions,
  ) {
    this.label = targetLabel(target);
    const transport = isIPv6(target.host) ? 'udp6' : 'udp4';
    const common = {
      port: target.port,
      timeout: options.timeoutMs,
      retries: options.retries,
      transport,
    } as const;
    if (isV3(target) && target.v3) {
      this.session = snmp.createV3Session(target.host, usmUser(target.v3), {
        ...common,
        version: snmp.Version3,
        engineID: options.engineId,
        context: target.v3.context ?? '',
      });
    } else {
      this.session = snmp.createSession(target.host, target.community ?? '', {
        ...common,
        version: snmp.Version2c,
      });
    }
    // Without a listener an undecodable datagram would throw out of the socket's event handler.
    this.session.on('error', (error: Error) => {
      options.logger.warn(
        { target: this.label, error: error.name },
        options.redactor.redact(`${this.label}: SNMP session error (${error.name})`),
      );
    });
  }

  /** GET of `oids`, varbinds in the same order. */
  get(oids: string[], signal?: AbortSignal): Promise<snmp.Varbind[]> {
    return this.request<snmp.Varbind[]>(signal, (settle) => {
      this.session.get(oids, (error, varbinds) => {
        if (error) settle(error);
        else {
          const answer = varbinds ?? [];
          this.count(answer.length);
          settle(null, answer);
        }
      });
    });
  }

  /**
   * Reads the subtree under `root` with GETBULK, handing each answer's varbinds to `onVarbinds`.
   * An agent that answers an OID not after the previous one (a loop) fails the walk at `parse`.
   */
  walk(
    root: string,
    maxRepetitions: number,
    onVarbinds: (varbinds: snmp.Varbind[]) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    let last = root;
    let total = 0;
    let broken: SourceError | undefined;
    return this.request<void>(signal, (settle) => {
      this.session.subtree(
        root,
        maxRepetitions,
        (varbinds: snmp.Varbind[]) => {
          this.count(varbinds.length);
          const inOrder: snmp.Varbind[] = [];
          for (const varbind of varbinds) {
            if (!isUnderOid(varbind.oid, root)) continue;
            if (compareOids(varbind.oid, last) <= 0) {
              broken = new SourceError(
                'parse',
                `${this.label}: agent answered ${varbind.oid} after ${last} while walking ${root}`,
              );
              break;
            }
            last = varbind.oid;
            inOrder.push(varbind);
          }
          total += inOrder.length;
          if (inOrder.length > 0) onVarbinds(inOrder);
          if (!broken && total > MAX_VARBINDS_PER_WALK) {
            broken = new SourceError(
              'parse',
              `${this.label}: walk of ${root} passed ${MAX_VARBINDS_PER_WALK} varbinds`,
            );
          }
          // Returning true ends the walk.
          return broken !== undefined;
        },
        (error: Error | null) => settle(broken ?? error),
      );
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.session.close();
    } catch {
      // Already closed by a socket error: nothing left to release.
    }
  }

  private count(varbinds: number): void {
    this.responses++;
    this.varbinds += varbinds;
  }

  private request<T>(
    signal: AbortSignal | undefined,
    send: (settle: (error: unknown, value?: T) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const fail = (error: unknown) =>
        reject(snmpFailure(error, this.label, this.options.timeoutMs, this.options.redactor));
      const onAbort = () => {
        if (done) return;
        done = true;
        // Frees the request ids; their callbacks then find the promise settled.
        this.session.cancelRequests(new Error('Socket forcibly closed'));
        fail(signal?.reason ?? new SourceError('aborted', `${this.label}: aborted`));
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        send((error, value) => {
          if (done) return;
          done = true;
          signal?.removeEventListener('abort', onAbort);
          if (error) fail(error);
          else resolve(value as T);
        });
      } catch (error) {
        done = true;
        signal?.removeEventListener('abort', onAbort);
        fail(error);
      }
    });
  }
}
