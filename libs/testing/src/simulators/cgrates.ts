import { randomUUID } from 'node:crypto';
import {
  isRecord,
  parseJson,
  SimulatorServer,
  withHeaders,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export type CgratesBalanceType = '*monetary' | '*data' | '*voice' | '*sms';

const BALANCE_TYPES: readonly string[] = ['*monetary', '*data', '*voice', '*sms'];

/** One balance as CGRateS serialises it inside an account's `BalanceMap`. */
export interface CgratesBalance {
  Uuid: string;
  ID: string;
  Value: number;
  /** `0001-01-01T00:00:00Z` when the balance never expires. */
  ExpirationDate: string;
  Weight: number;
  Disabled: boolean;
  Blocker: boolean;
}

/** An account as `ApierV2.GetAccount` answers it. */
export interface CgratesAccount {
  /** `{Tenant}:{Account}`. */
  ID: string;
  BalanceMap: Partial<Record<CgratesBalanceType, CgratesBalance[]>>;
  UnitCounters: null;
  ActionTriggers: null;
  AllowNegative: boolean;
  Disabled: boolean;
  UpdateTime: string;
}

/** An account as the tests see it: the wire shape plus what CGRateS keeps in side indexes. */
export interface CgratesSimulatedAccount extends CgratesAccount {
  Tenant: string;
  Account: string;
  ActionPlanIDs: string[];
}

/** One JSON-RPC call that reached the engine, whatever it answered. */
export interface CgratesCall {
  id: unknown;
  method: string;
  params: unknown;
  result: unknown;
  error: string | null;
}

/** An injected failure: an RPC error string (HTTP 200), or a bare HTTP status. */
export type CgratesFailure = string | { status: number };

export interface CgratesSimulatorOptions extends SimulatorOptions {
  /** The tenant the APIerSv1 profile methods fall back to; `cgrates.org` like the engine. */
  defaultTenant?: string;
  /**
   * The real engine creates the account on `AddBalance` when it is missing; by default the
   * simulator answers `NOT_FOUND` instead, so a playbook that forgot `SetAccount` is caught.
   */
  addBalanceCreatesAccount?: boolean;
}

export const CGRATES_ZERO_TIME = '0001-01-01T00:00:00Z';

/** An error the engine returns to the caller as the JSON-RPC `error` string. */
class RpcError extends Error {}

type Args = Record<string, unknown>;
type Handler = (args: Args) => unknown;

interface MethodSpec {
  /** The Go type the params decode into, for the engine's own decoding errors. */
  goType: string;
  handle: Handler;
}

const SERVICES_V1 = ['ApierV1', 'APIerSv1'];
const SERVICES_V2 = ['ApierV2', 'APIerSv2'];

/**
 * CGRateS (the OCS) on 127.0.0.1, speaking its JSON-RPC over HTTP: `POST /jsonrpc` with
 * `{method, params: [args], id}`, answered HTTP 200 with `{id, result, error}` where `error` is the
 * engine's error string (`NOT_FOUND`, `MANDATORY_IE_MISSING: [Account]`, `rpc: can't find method …`).
 * Accounts, balances, action plans and attribute profiles live in memory; every call is logged on
 * `calls`; `failNext(method, failure)` makes the next call of one method fail.
 *
 * `ApierV1`/`APIerSv1` and `ApierV2`/`APIerSv2` are the old and new names of the same services
 * (the engine registers both); the V2 service has every V1 method plus its own `SetAccount`.
 */
export class CgratesSimulator extends SimulatorServer<CgratesCall> {
  private readonly store = new Map<string, CgratesSimulatedAccount>();
  private readonly plans = new Map<string, Args>();
  private readonly attributeProfiles = new Map<string, Args>();
  private readonly methodFailures = new Map<string, CgratesFailure[]>();
  private readonly v1: Record<string, MethodSpec>;
  private readonly v2: Record<string, MethodSpec>;

  constructor(private readonly options: CgratesSimulatorOptions = {}) {
    super(options);
    this.v1 = {
      SetAccount: { goType: 'utils.AttrSetAccount', handle: (a) => this.setAccount(a, 1) },
      RemoveAccount: { goType: 'utils.AttrRemoveAccount', handle: (a) => this.removeAccount(a) },
      AddBalance: { goType: 'v1.AttrAddBalance', handle: (a) => this.addBalance(a) },
      GetAccount: { goType: 'utils.AttrGetAccount', handle: (a) => this.getAccount(a) },
      SetActionPlan: { goType: 'v1.AttrSetActionPlan', handle: (a) => this.setActionPlan(a) },
      SetAttributeProfile: {
        goType: 'engine.AttributeProfileWithAPIOpts',
        handle: (a) => this.setAttributeProfile(a),
      },
      RemoveAttributeProfile: {
        goType: 'utils.TenantIDWithAPIOpts',
        handle: (a) => this.removeAttributeProfile(a),
      },
    };
    this.v2 = {
      ...this.v1,
      SetAccount: { goType: 'v2.AttrSetAccount', handle: (a) => this.setAccount(a, 2) },
    };
  }

  /** Every JSON-RPC call that parsed, oldest first (also on `received`). */
  get calls(): readonly CgratesCall[] {
    return this.received;
  }

  /** The accounts of `tenant` (copies). */
  accounts(tenant: string): CgratesSimulatedAccount[] {
    return [...this.store.values()].filter((a) => a.Tenant === tenant).map((a) => clone(a));
  }

  /** One account (a copy), or undefined. */
  account(tenant: string, account: string): CgratesSimulatedAccount | undefined {
    const found = this.store.get(`${tenant}:${account}`);
    return found && clone(found);
  }

  /** The action plans set through `SetActionPlan`, by Id (copies of the params). */
  actionPlans(): Record<string, Args> {
    return clone(Object.fromEntries(this.plans));
  }

  /** The attribute profiles of `tenant`, by ID (copies of the params). */
  attributes(tenant = this.defaultTenant): Record<string, Args> {
    const prefix = `${tenant}:`;
    return clone(
      Object.fromEntries(
        [...this.attributeProfiles]
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, v]) => [k.slice(prefix.length), v]),
      ),
    );
  }

  /**
   * `failNext(method, failure, times = 1)`: the next `times` calls of `method` (exact name, e.g.
   * `ApierV2.SetAccount`) answer `failure` without touching the state: a string becomes the RPC
   * `error` (HTTP 200, as the engine does), `{status}` a bare HTTP error as from a proxy in front.
   * `failNext(count, status, retryAfterSeconds?)`: the next `count` HTTP requests, whatever the
   * method, answer `status` (see `SimulatorServer`).
   */
  override failNext(count: number, status: number, retryAfterSeconds?: number): void;
  override failNext(method: string, failure: CgratesFailure, times?: number): void;
  override failNext(first: number | string, second: number | CgratesFailure, third?: number): void {
    if (typeof first === 'number') {
      super.failNext(first, second as number, third);
      return;
    }
    const queue = this.methodFailures.get(first) ?? [];
    for (let i = 0; i < (third ?? 1); i++) queue.push(second as CgratesFailure);
    this.methodFailures.set(first, queue);
  }

  /** Forgets calls, requests, pending failures and all the engine's data. */
  override reset(): void {
    super.reset();
    this.store.clear();
    this.plans.clear();
    this.attributeProfiles.clear();
    this.methodFailures.clear();
  }

  protected override decorate(response: SimulatorResponse): SimulatorResponse {
    return typeof response.body === 'string' ? response : withHeaders(response, 'application/json');
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    if (request.path !== '/jsonrpc') return { status: 404, body: '404 page not found\n' };
    if (request.method !== 'POST') return { status: 405, body: 'Method Not Allowed\n' };
    const body = parseJson(request.body);
    if (!isRecord(body)) {
      return rpcReply(null, null, 'jsonrpc: request body is not a JSON-RPC object');
    }
    const id = body.id ?? null;
    const method = typeof body.method === 'string' ? body.method : '';
    const call: CgratesCall = { id, method, params: body.params, result: null, error: null };
    this.received.push(call);

    const failure = this.methodFailures.get(method)?.shift();
    if (failure !== undefined) {
      if (typeof failure !== 'string') {
        call.error = `HTTP ${failure.status}`;
        return { status: failure.status, body: 'Service Unavailable\n' };
      }
      call.error = failure;
      return rpcReply(id, null, failure);
    }
    try {
      call.result = this.dispatch(method, body.params);
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      call.error = error.message;
    }
    return rpcReply(id, call.error === null ? call.result : null, call.error);
  }

  private get defaultTenant(): string {
    return this.options.defaultTenant ?? 'cgrates.org';
  }

  /** Go's net/rpc lookup, then the jsonrpc codec's decoding of `params` into `[1]Args`. */
  private dispatch(serviceMethod: string, params: unknown): unknown {
    const dot = serviceMethod.lastIndexOf('.');
    if (dot < 0) throw new RpcError(`rpc: service/method request ill-formed: ${serviceMethod}`);
    const service = serviceMethod.slice(0, dot);
    const table = SERVICES_V1.includes(service)
      ? this.v1
      : SERVICES_V2.includes(service)
        ? this.v2
        : undefined;
    if (!table) throw new RpcError(`rpc: can't find service ${serviceMethod}`);
    const spec = Object.hasOwn(table, serviceMethod.slice(dot + 1))
      ? table[serviceMethod.slice(dot + 1)]
      : undefined;
    if (!spec) throw new RpcError(`rpc: can't find method ${serviceMethod}`);
    if (params === undefined || params === null) {
      throw new RpcError('jsonrpc: request body missing params');
    }
    if (!Array.isArray(params)) {
      throw new RpcError(
        `json: cannot unmarshal ${goKind(params)} into Go value of type [1]interface {}`,
      );
    }
    const args: unknown = params[0] ?? {};
    if (!isRecord(args)) {
      throw new RpcError(
        `json: cannot unmarshal ${goKind(args)} into Go value of type ${spec.goType}`,
      );
    }
    return spec.handle(args);
  }

  private setAccount(args: Args, version: 1 | 2): string {
    const struct = 'AttrSetAccount';
    const tenant = str(args, 'Tenant', struct);
    const account = str(args, 'Account', struct);
    mandatory({ Tenant: tenant, Account: account });
    const extra = boolMap(args, 'ExtraOptions', struct);
    let planIds: string[] | undefined;
    let overwrite = false;
    if (version === 2) {
      planIds = strList(args, 'ActionPlanIDs', struct);
      overwrite = bool(args, 'ActionPlansOverwrite', struct) ?? false;
    } else {
      // V1 takes one plan and detaches the account from every other.
      const single = str(args, 'ActionPlanID', struct);
      planIds = single ? [single] : undefined;
      overwrite = true;
    }
    for (const planId of planIds ?? []) {
      if (!this.plans.has(planId)) throw new RpcError('SERVER_ERROR: NOT_FOUND');
    }
    const key = `${tenant}:${account}`;
    const existing = this.store.get(key) ?? newAccount(tenant, account);
    if (planIds) {
      existing.ActionPlanIDs = overwrite
        ? [...new Set(planIds)]
        : [...new Set([...existing.ActionPlanIDs, ...planIds])];
    }
    if (extra && Object.hasOwn(extra, 'AllowNegative'))
      existing.AllowNegative = extra.AllowNegative;
    if (extra && Object.hasOwn(extra, 'Disabled')) existing.Disabled = extra.Disabled;
    existing.UpdateTime = new Date().toISOString();
    this.store.set(key, existing);
    return 'OK';
  }

  private removeAccount(args: Args): string {
    const tenant = str(args, 'Tenant', 'AttrRemoveAccount');
    const account = str(args, 'Account', 'AttrRemoveAccount');
    mandatory({ Tenant: tenant, Account: account });
    if (!this.store.delete(`${tenant}:${account}`)) throw new RpcError('NOT_FOUND');
    return 'OK';
  }

  private addBalance(args: Args): string {
    const struct = 'AttrAddBalance';
    const tenant = str(args, 'Tenant', struct);
    const account = str(args, 'Account', struct);
    const type = str(args, 'BalanceType', struct);
    const topValue = num(args, 'Value', struct) ?? 0;
    const balance = field(args, 'Balance');
    if (balance !== undefined && balance !== null && !isRecord(balance)) {
      throw new RpcError(
        `json: cannot unmarshal ${goKind(balance)} into Go struct field ${struct}.Balance of type map[string]interface {}`,
      );
    }
    const overwrite = bool(args, 'Overwrite', struct) ?? false;
    mandatory({ Tenant: tenant, Account: account, BalanceType: type });
    if (!BALANCE_TYPES.includes(type)) {
      throw new RpcError(`SERVER_ERROR: unsupported balance type <${type}>`);
    }
    const filter = isRecord(balance) ? balance : {};
    const value = Math.abs(topValue !== 0 ? topValue : (looseNumber(filter.Value) ?? 0));
    const expiry = expiryTime(filter.ExpiryTime);
    const key = `${tenant}:${account}`;
    let target = this.store.get(key);
    if (!target) {
      if (!this.options.addBalanceCreatesAccount) throw new RpcError('NOT_FOUND');
      target = newAccount(tenant, account);
      this.store.set(key, target);
    }
    // The engine skips every action but *enable_account on a disabled account, and still says OK.
    if (target.Disabled) return 'OK';
    const id = typeof filter.ID === 'string' ? filter.ID : '';
    const uuid = typeof filter.Uuid === 'string' ? filter.Uuid : '';
    const balances = (target.BalanceMap[type as CgratesBalanceType] ??= []);
    let found = balances.find((b) =>
      uuid ? b.Uuid === uuid : id ? b.ID === id : b.ID === '' && expiry === undefined,
    );
    if (!found) {
      found = {
        Uuid: uuid || randomUUID(),
        ID: id,
        Value: 0,
        ExpirationDate: expiry ?? CGRATES_ZERO_TIME,
        Weight: 0,
        Disabled: false,
        Blocker: false,
      };
      balances.push(found);
    } else if (expiry !== undefined) {
      found.ExpirationDate = expiry;
    }
    found.Value = overwrite ? value : found.Value + value;
    const weight = looseNumber(filter.Weight);
    if (weight !== undefined) found.Weight = weight;
    if (typeof filter.Disabled === 'boolean') found.Disabled = filter.Disabled;
    if (typeof filter.Blocker === 'boolean') found.Blocker = filter.Blocker;
    target.UpdateTime = new Date().toISOString();
    return 'OK';
  }

  private getAccount(args: Args): CgratesAccount {
    const tenant = str(args, 'Tenant', 'AttrGetAccount');
    const account = str(args, 'Account', 'AttrGetAccount');
    const found = this.store.get(`${tenant}:${account}`);
    if (!found) throw new RpcError('NOT_FOUND');
    const { ID, BalanceMap, UnitCounters, ActionTriggers, AllowNegative, Disabled, UpdateTime } =
      clone(found);
    return { ID, BalanceMap, UnitCounters, ActionTriggers, AllowNegative, Disabled, UpdateTime };
  }

  private setActionPlan(args: Args): string {
    const planId = str(args, 'Id', 'AttrSetActionPlan');
    mandatory({ Id: planId });
    if (this.plans.has(planId) && bool(args, 'Overwrite', 'AttrSetActionPlan') !== true) {
      throw new RpcError('EXISTS');
    }
    this.plans.set(planId, clone(args));
    return 'OK';
  }

  private setAttributeProfile(args: Args): string {
    const id = str(args, 'ID', 'AttributeProfileWithAPIOpts');
    const attributes = field(args, 'Attributes');
    mandatory({
      ID: id,
      Attributes: Array.isArray(attributes) && attributes.length > 0 ? 'set' : '',
    });
    const tenant = str(args, 'Tenant', 'AttributeProfileWithAPIOpts') || this.defaultTenant;
    this.attributeProfiles.set(`${tenant}:${id}`, clone({ ...args, Tenant: tenant }));
    return 'OK';
  }

  private removeAttributeProfile(args: Args): string {
    const id = str(args, 'ID', 'TenantIDWithAPIOpts');
    mandatory({ ID: id });
    const tenant = str(args, 'Tenant', 'TenantIDWithAPIOpts') || this.defaultTenant;
    if (!this.attributeProfiles.delete(`${tenant}:${id}`)) throw new RpcError('NOT_FOUND');
    return 'OK';
  }
}

function rpcReply(id: unknown, result: unknown, error: string | null): SimulatorResponse {
  return { status: 200, body: { id, result, error } };
}

function newAccount(tenant: string, account: string): CgratesSimulatedAccount {
  return {
    Tenant: tenant,
    Account: account,
    ActionPlanIDs: [],
    ID: `${tenant}:${account}`,
    BalanceMap: {},
    UnitCounters: null,
    ActionTriggers: null,
    AllowNegative: false,
    Disabled: false,
    UpdateTime: new Date().toISOString(),
  };
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** `MANDATORY_IE_MISSING: [A B]` for the empty ones, in the order given (as the engine lists them). */
function mandatory(values: Record<string, string>): void {
  const missing = Object.entries(values)
    .filter(([, v]) => v === '')
    .map(([k]) => k);
  if (missing.length > 0) throw new RpcError(`MANDATORY_IE_MISSING: [${missing.join(' ')}]`);
}

/** Go's encoding/json matches struct fields case-insensitively, preferring the exact name. */
function field(args: Args, name: string): unknown {
  if (Object.hasOwn(args, name)) return args[name];
  const lower = name.toLowerCase();
  const key = Object.keys(args).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : args[key];
}

function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'object' && value !== null) return 'object';
  return typeof value;
}

function typeError(struct: string, name: string, value: unknown, goType: string): RpcError {
  return new RpcError(
    `json: cannot unmarshal ${goKind(value)} into Go struct field ${struct}.${name} of type ${goType}`,
  );
}

/** A string field, trimmed as the engine's mandatory check does; '' when absent or null. */
function str(args: Args, name: string, struct: string): string {
  const value = field(args, name);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw typeError(struct, name, value, 'string');
  return value.trim();
}

function bool(args: Args, name: string, struct: string): boolean | undefined {
  const value = field(args, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw typeError(struct, name, value, 'bool');
  return value;
}

function num(args: Args, name: string, struct: string): number | undefined {
  const value = field(args, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw typeError(struct, name, value, 'float64');
  return value;
}

function strList(args: Args, name: string, struct: string): string[] | undefined {
  const value = field(args, name);
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw typeError(struct, name, value, '[]string');
  return value.map((v) => {
    if (typeof v !== 'string') throw typeError(struct, name, v, 'string');
    return v;
  });
}

function boolMap(args: Args, name: string, struct: string): Record<string, boolean> | undefined {
  const value = field(args, name);
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw typeError(struct, name, value, 'map[string]bool');
  for (const v of Object.values(value)) {
    if (typeof v !== 'boolean') throw typeError(struct, name, v, 'bool');
  }
  return value as Record<string, boolean>;
}

/** A number inside the `Balance` map, where the engine also takes numeric strings. */
function looseNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const parsed = Number(value.trim());
    if (value.trim() !== '' && Number.isFinite(parsed)) return parsed;
    throw new RpcError(`strconv.ParseFloat: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  throw new RpcError(`cannot convert field: ${JSON.stringify(value)} to float64`);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration, in milliseconds; undefined when it does not parse. */
export function parseGoDuration(text: string): number | undefined {
  const match = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
  if (text === '0' || text === '+0' || text === '-0') return 0;
  if (!match) return undefined;
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNITS[part[2]];
  }
  return match[1] === '-' ? -total : total;
}

/** `Balance.ExpiryTime` as an ISO date, or undefined when not given. */
function expiryTime(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return parseTime(String(value));
  if (typeof value !== 'string') {
    throw new RpcError(`cannot cast value: ${JSON.stringify(value)} to string`);
  }
  return parseTime(value);
}

/**
 * The engine's `ParseTimeDetectLayout` for the forms a playbook uses: empty or `*unlimited` (never
 * expires), `+4320h` (from now), `*daily`/`*weekly`/`*monthly`/`*yearly`, RFC 3339 and Unix seconds.
 */
function parseTime(text: string): string {
  const value = text.trim();
  if (value === '' || value === '*unlimited') return CGRATES_ZERO_TIME;
  const now = new Date();
  if (value.startsWith('+')) {
    const ms = parseGoDuration(value.slice(1));
    if (ms === undefined)
      throw new RpcError(`time: invalid duration ${JSON.stringify(value.slice(1))}`);
    return new Date(now.getTime() + ms).toISOString();
  }
  const relative: Record<string, () => void> = {
    '*daily': () => now.setUTCDate(now.getUTCDate() + 1),
    '*weekly': () => now.setUTCDate(now.getUTCDate() + 7),
    '*monthly': () => now.setUTCMonth(now.getUTCMonth() + 1),
    '*yearly': () => now.setUTCFullYear(now.getUTCFullYear() + 1),
  };
  if (Object.hasOwn(relative, value)) {
    relative[value]();
    return now.toISOString();
  }
  if (/^\d+$/.test(value)) return new Date(Number(value) * 1000).toISOString();
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(value)) {
    const parsed = new Date(value.replace(' ', 'T'));
    if (!Number.isNaN(parsed.getTime())) return parsed.toISOString();
  }
  throw new RpcError('Unsupported time format');
}
