// class-transformer's @Type reads design metadata: load the polyfill wherever DTOs are declared.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsIP,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { createSocket, type Socket, type SocketType } from 'node:dgram';
import * as snmp from 'net-snmp';
import { type ConfigIssue, type CrossFieldChecks } from '../connection-config';
import type { AlarmRecord } from '../connector';
import { systemClock, type Clock } from '../http/clock';
import { silentLogger, type ConnectorLogger } from '../http/http-source-client';
import { SnmpV3UserDto, usmUser, type SnmpConnectionConfig } from './snmp-config';
import {
  TrapFormatError,
  readNotification,
  trapAlarm,
  type ReceiverNotification,
  type TrapSource,
} from './trap-alarms';

/** Where the agents that send traps stand: by their address. */
export class TrapSourceDto {
  @IsIP()
  address!: string;

  @IsString()
  @MinLength(1)
  site_id!: string;

  /** Managed object of the device; its address when omitted. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  name?: string;

  @IsOptional()
  @IsString()
  technology?: string;
}

export class SnmpTrapReceiverConfig implements CrossFieldChecks {
  /** 0.0.0.0 to take traps from the network; loopback by default so nothing listens by surprise. */
  @IsIP()
  address = '127.0.0.1';

  /** 162 is the standard port and needs privileges; forward it or pick a high port. */
  @IsInt()
  @Min(1)
  @Max(65_535)
  port = 162;

  /** Communities accepted from v1/v2c agents: secrets. */
  @IsArray()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  communities: string[] = [];

  /** SNMPv3 users accepted (traps and informs). */
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SnmpV3UserDto)
  users: SnmpV3UserDto[] = [];

  /** This receiver's engine id (hex), which v3 informs are sent to; random when omitted. */
  @IsOptional()
  @Matches(/^([0-9a-fA-F]{2}){5,32}$/, { message: 'engine_id must be 5 to 32 bytes in hex' })
  engine_id?: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TrapSourceDto)
  sources: TrapSourceDto[] = [];

  /** Site of traps from agents not in `sources`. */
  @IsString()
  @MinLength(1)
  default_site_id = 'unknown';

  @IsString()
  @MinLength(1)
  source_system = 'SNMP';

  /** Alarms each `alarms()` iterator holds for a slow reader; the oldest go first. */
  @IsInt()
  @Min(1)
  max_queued_alarms = 10_000;

  crossFieldIssues(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    if (this.communities.length === 0 && this.users.length === 0)
      issues.push({
        path: 'communities',
        message: 'communities or users must accept at least one sender',
      });
    this.users.forEach((user, index) => {
      const path = `users[${index}]`;
      const needs: [keyof SnmpV3UserDto, boolean][] = [
        ['auth_protocol', user.level !== 'noAuthNoPriv'],
        ['auth_key', user.level !== 'noAuthNoPriv'],
        ['priv_protocol', user.level === 'authPriv'],
        ['priv_key', user.level === 'authPriv'],
      ];
      for (const [field, needed] of needs) {
        if (needed && user[field] === undefined)
          issues.push({
            path: `${path}.${field}`,
            message: `${path}.${field} is required for ${user.level}`,
          });
      }
    });
    return issues;
  }
}

/** The trap sources of a polling config: each target's host with its site and name. */
export function trapSourcesOf(config: SnmpConnectionConfig): TrapSourceDto[] {
  return config.targets.map((target) =>
    Object.assign(new TrapSourceDto(), {
      address: target.host,
      site_id: target.site_id,
      name: target.name,
      technology: target.technology,
    }),
  );
}

export interface SnmpTrapReceiverStats {
  /** Notifications accepted (traps and informs). */
  received: number;
  informs: number;
  alarms: number;
  /** Datagrams that were no readable notification. */
  malformed: number;
  /** Unknown community or user, failed digest or decryption. */
  unauthenticated: number;
  /** Alarms an `alarms()` reader did not take in time (its queue was full). */
  dropped: number;
  /** onAlarm listeners that threw or rejected. */
  listenerErrors: number;
}

export interface SnmpTrapReceiverDeps {
  clock?: Clock;
  logger?: ConnectorLogger;
}

/** net-snmp's Receiver, as far as it is used here (its typings declare it `any`). */
interface NetSnmpReceiver {
  getAuthorizer(): { addCommunity(community: string): void; addUser(user: snmp.User): void };
  close(callback?: () => void): void;
}

type AlarmListener = (alarm: AlarmRecord) => void | Promise<void>;

/** Bounded queue behind one `alarms()` iterator. */
class AlarmQueue implements AsyncIterableIterator<AlarmRecord> {
  private readonly items: AlarmRecord[] = [];
  private waiting: ((result: IteratorResult<AlarmRecord>) => void) | undefined;
  private ended = false;

  constructor(
    private readonly capacity: number,
    private readonly onDrop: () => void,
    private readonly onEnd: (queue: AlarmQueue) => void,
  ) {}

  push(alarm: AlarmRecord): void {
    if (this.ended) return;
    if (this.waiting) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake({ value: alarm, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.onDrop();
    }
    this.items.push(alarm);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }

  next(): Promise<IteratorResult<AlarmRecord>> {
    const item = this.items.shift();
    if (item) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<AlarmRecord>> {
    this.end();
    this.items.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AlarmRecord> {
    return this;
  }
}

/** Alarms the receiver remembers as raised, to give their clear the raise time. */
const MAX_OPEN_ALARMS = 50_000;
/** Rejected datagrams logged per minute; the rest are only counted (a flood must not flood logs). */
const MAX_REJECTION_LOGS_PER_MINUTE = 20;

/**
 * Receives SNMP traps and informs (v1, v2c; v3 with USM users) on a UDP port and turns each into
 * an AlarmRecord (see `trapAlarm`). Informs are acknowledged by net-snmp before the alarm is
 * handed on. A datagram that is no notification, or that fails authorization, authentication or
 * decryption, is counted and logged without its credentials, and the receiver goes on.
 *
 * Alarms go to every `onAlarm` listener (errors in a listener are counted and logged) and to every
 * open `alarms()` iterator.
 */
export class SnmpTrapReceiver {
  private readonly clock: Clock;
  private readonly logger: ConnectorLogger;
  private readonly sources: Map<string, TrapSource>;
  private readonly listeners = new Set<AlarmListener>();
  private readonly queues = new Set<AlarmQueue>();
  private readonly openAlarms = new Map<string, Date>();
  private readonly sockets: Socket[] = [];
  private receiver: NetSnmpReceiver | undefined;
  private readonly counters: SnmpTrapReceiverStats = {
    received: 0,
    informs: 0,
    alarms: 0,
    malformed: 0,
    unauthenticated: 0,
    dropped: 0,
    listenerErrors: 0,
  };
  private logWindow = { startedAt: 0, logged: 0 };

  constructor(
    readonly config: SnmpTrapReceiverConfig,
    deps: SnmpTrapReceiverDeps = {},
  ) {
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
    this.sources = new Map(
      config.sources.map((source) => [
        source.address,
        {
          siteId: source.site_id,
          managedObject: source.name ?? source.address,
          technology: source.technology,
        },
      ]),
    );
  }

  /** Binds the UDP socket; resolves with where it listens, rejects when the bind fails. */
  async start(): Promise<{ address: string; port: number }> {
    if (this.receiver) throw new Error('the SNMP trap receiver is already started');
    const sockets = this.sockets;
    // net-snmp binds inside createReceiver and reports bind errors only to its callback: taking
    // the socket through its dgramModule option lets start() wait for the bind itself.
    const dgramModule = {
      createSocket(type: SocketType): Socket {
        const socket = createSocket(type);
        sockets.push(socket);
        return socket;
      },
    };
    const receiver = snmp.createReceiver(
      {
        port: this.config.port,
        address: this.config.address,
        transport: this.config.address.includes(':') ? 'udp6' : 'udp4',
        engineID: this.config.engine_id,
        includeAuthentication: true,
        disableAuthorization: false,
        dgramModule,
      },
      (error: Error | null, notification: ReceiverNotification | null) =>
        this.onNotification(error, notification),
    ) as NetSnmpReceiver;
    this.receiver = receiver;
    const authorizer = receiver.getAuthorizer();
    for (const community of this.config.communities) authorizer.addCommunity(community);
    for (const user of this.config.users) authorizer.addUser(usmUser(user));
    const socket = sockets[0];
    await new Promise<void>((resolve, reject) => {
      socket.once('listening', () => resolve());
      socket.once('error', (error) => reject(error));
    }).catch(async (error: unknown) => {
      await this.close();
      const code = (error as { code?: unknown }).code;
      throw new Error(
        `SNMP trap receiver cannot listen on ${this.config.address}:${this.config.port} (${String(code ?? error)})`,
      );
    });
    const bound = socket.address();
    this.logger.info(
      { address: bound.address, port: bound.port },
      `SNMP trap receiver listening on ${bound.address}:${bound.port}`,
    );
    return { address: bound.address, port: bound.port };
  }

  /** Calls `listener` with every alarm; returns the function that stops it. */
  onAlarm(listener: AlarmListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The alarms from now on, until `signal` aborts, the iterator is returned, or the receiver
   * closes. A reader that falls `max_queued_alarms` behind loses the oldest (counted as dropped).
   */
  alarms(signal?: AbortSignal): AsyncIterableIterator<AlarmRecord> {
    const queue = new AlarmQueue(
      this.config.max_queued_alarms,
      () => this.counters.dropped++,
      (ended) => this.queues.delete(ended),
    );
    this.queues.add(queue);
    if (signal?.aborted) queue.end();
    else signal?.addEventListener('abort', () => queue.end(), { once: true });
    return queue;
  }

  stats(): SnmpTrapReceiverStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    const receiver = this.receiver;
    this.receiver = undefined;
    for (const queue of [...this.queues]) queue.end();
    if (!receiver) return;
    const open = this.sockets.splice(0);
    await Promise.all(
      open.map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            try {
              socket.close();
            } catch {
              resolve(); // never bound, or already closed
            }
          }),
      ),
    );
  }

  private onNotification(error: Error | null, notification: ReceiverNotification | null): void {
    try {
      if (error) {
        this.rejectDatagram(error);
        return;
      }
      if (!notification) return;
      const trap = readNotification(notification);
      this.counters.received++;
      if (trap.pdu === 'inform') this.counters.informs++;
      const source = this.sources.get(trap.agentAddress) ?? {
        siteId: this.config.default_site_id,
        managedObject: trap.agentAddress,
      };
      const now = new Date(this.clock.now());
      const draft = trapAlarm(trap, source, now, this.config.source_system);
      const raisedAt = this.rememberRaise(draft.alarmId, draft.state, now);
      this.deliver(raisedAt === now ? draft : { ...draft, raisedAt });
    } catch (caught) {
      if (caught instanceof TrapFormatError) {
        this.counters.malformed++;
        this.logRejection('malformed', caught.message);
        return;
      }
      // A bug here must not take the socket down with it.
      this.logger.error(
        { error: caught instanceof Error ? caught.name : 'unknown' },
        `SNMP trap handling failed: ${caught instanceof Error ? caught.message : String(caught)}`,
      );
    }
  }

  /** The raise time of an alarm: remembered from its raise, forgotten at its clear. */
  private rememberRaise(alarmId: string, state: AlarmRecord['state'], now: Date): Date {
    const known = this.openAlarms.get(alarmId);
    if (state === 'cleared') {
      this.openAlarms.delete(alarmId);
      return known ?? now;
    }
    if (known) return known;
    this.openAlarms.set(alarmId, now);
    if (this.openAlarms.size > MAX_OPEN_ALARMS) {
      const oldest = this.openAlarms.keys().next().value;
      if (oldest !== undefined) this.openAlarms.delete(oldest);
    }
    return now;
  }

  private deliver(alarm: AlarmRecord): void {
    this.counters.alarms++;
    for (const listener of this.listeners) {
      try {
        const pending = listener(alarm);
        if (pending instanceof Promise)
          pending.catch((error: unknown) => this.listenerFailed(error));
      } catch (error) {
        this.listenerFailed(error);
      }
    }
    for (const queue of this.queues) queue.push(alarm);
  }

  private listenerFailed(error: unknown): void {
    this.counters.listenerErrors++;
    this.logger.error(
      { error: error instanceof Error ? error.name : 'unknown' },
      `SNMP trap alarm listener failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  /** Sorts what net-snmp refused; its messages can name the community tried, so none is logged. */
  private rejectDatagram(error: Error): void {
    const details = error as Error & {
      code?: unknown;
      syscall?: unknown;
      rinfo?: { address?: string; port?: number };
    };
    const from = details.rinfo?.address
      ? `${details.rinfo.address}:${details.rinfo.port ?? '?'}`
      : 'unknown sender';
    if (typeof details.syscall === 'string') {
      this.logger.error(
        { code: String(details.code) },
        `SNMP trap socket error (${String(details.code)})`,
      );
      return;
    }
    const reason = rejectionReason(details.name, details.message, details.code);
    if (reason.unauthenticated) this.counters.unauthenticated++;
    else this.counters.malformed++;
    this.logRejection(
      reason.unauthenticated ? 'unauthenticated' : 'malformed',
      `${from}: ${reason.text}`,
    );
  }

  private logRejection(kind: 'malformed' | 'unauthenticated', message: string): void {
    const now = this.clock.now();
    if (now - this.logWindow.startedAt >= 60_000) this.logWindow = { startedAt: now, logged: 0 };
    if (this.logWindow.logged >= MAX_REJECTION_LOGS_PER_MINUTE) return;
    this.logWindow.logged++;
    this.logger.warn({ kind, ...this.stats() }, `SNMP trap rejected (${kind}): ${message}`);
  }
}

function rejectionReason(
  name: string,
  message: string,
  code: unknown,
): { unauthenticated: boolean; text: string } {
  if (name === 'RequestFailedError') {
    if (message.startsWith('Local community not found'))
      return { unauthenticated: true, text: 'unknown community' };
    if (message.startsWith('Local user not found'))
      return { unauthenticated: true, text: 'unknown SNMPv3 user' };
    return { unauthenticated: true, text: 'security level lower than the user requires' };
  }
  if (name === 'ResponseInvalidError' && code === snmp.ResponseInvalidCode.EAuthFailure)
    return { unauthenticated: true, text: 'failed authentication (wrong auth key or protocol)' };
  if (name === 'ResponseInvalidError' && code === snmp.ResponseInvalidCode.ECouldNotDecrypt)
    return { unauthenticated: true, text: 'could not be decrypted (wrong priv key or protocol)' };
  if (name === 'RequestInvalidError') return { unauthenticated: false, text: 'not a notification' };
  return { unauthenticated: false, text: 'undecodable datagram' };
}
