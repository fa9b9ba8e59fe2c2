import {
  isRecord,
  parseJson,
  SimulatorServer,
  withHeaders,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

/** A subscriber as the HSS stores it, keys included: only the tests see this shape. */
export interface HssSubscriber {
  subscriber_id: number;
  imsi: string;
  msisdn: string;
  ki: string;
  opc: string;
  enabled: boolean;
  ue_ambr_dl: number | null;
  ue_ambr_ul: number | null;
  last_modified: string;
}

/** A subscriber as the HSS answers it over HTTP: the keys (ki, opc) never leave it. */
export type HssSubscriberView = Omit<HssSubscriber, 'ki' | 'opc'>;

/** One write the HSS accepted (no key material). */
export interface HssOperation {
  operation: 'create' | 'replace' | 'patch' | 'delete';
  subscriber_id: number;
  imsi: string;
  /** The body fields the write carried, names only. */
  fields: string[];
}

export interface HssSimulatorOptions extends SimulatorOptions {
  /** One MSISDN per subscriber (409 on a clash); true by default. */
  uniqueMsisdn?: boolean;
}

const IMSI = /^\d{14,15}$/;
const HEX32 = /^[0-9a-fA-F]{32}$/;
const MSISDN = /^\d{1,15}$/;

class BadRequest extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * A REST HSS on 127.0.0.1 as the provisioning playbooks drive it: `PUT /subscriber/{imsi}` creates
 * or replaces (body `{imsi, msisdn, ki, opc, enabled, ue_ambr_dl?, ue_ambr_ul?}`, 200 with the
 * subscriber and its `subscriber_id`), `GET`, `PATCH` (partial) and `DELETE /subscriber/{id or imsi}`
 * (404 when unknown). Bad fields get 400 `{message, field}`. Answers never carry ki or opc;
 * `subscribers()` shows them to the tests. `failNext(count, status)` as in `SimulatorServer`.
 */
export class HssSimulator extends SimulatorServer<HssOperation> {
  private readonly store = new Map<number, HssSubscriber>();
  private nextId = 1;

  constructor(private readonly options: HssSimulatorOptions = {}) {
    super(options);
  }

  /** The writes the HSS accepted, oldest first (also on `received`). */
  get operations(): readonly HssOperation[] {
    return this.received;
  }

  /** Every subscriber, keys included (copies), by subscriber_id. */
  subscribers(): HssSubscriber[] {
    return [...this.store.values()].map((s) => ({ ...s }));
  }

  /** One subscriber by subscriber_id or IMSI (a copy), or undefined. */
  subscriber(idOrImsi: number | string): HssSubscriber | undefined {
    const found = this.find(String(idOrImsi));
    return found && { ...found };
  }

  /** Forgets subscribers, operations, requests and pending failures. */
  override reset(): void {
    super.reset();
    this.store.clear();
    this.nextId = 1;
  }

  protected override failure(status: number, retryAfterSeconds?: number): SimulatorResponse {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: { message: status === 429 ? 'Too Many Requests' : 'Service Unavailable' },
    };
  }

  protected override internalError(): SimulatorResponse {
    return { status: 500, body: { message: 'Internal Server Error' } };
  }

  protected override decorate(response: SimulatorResponse): SimulatorResponse {
    return withHeaders(response, 'application/json');
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    const match = /^\/subscriber\/([^/]+)\/?$/.exec(request.path);
    if (!match) return { status: 404, body: { message: 'Not Found' } };
    const key = decodeURIComponent(match[1]);
    try {
      switch (request.method) {
        case 'PUT':
          return this.put(key, request.body);
        case 'GET':
          return this.get(key);
        case 'PATCH':
          return this.patch(key, request.body);
        case 'DELETE':
          return this.remove(key);
        default:
          return { status: 405, body: { message: 'Method Not Allowed' } };
      }
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      return { status: error.status, body: { message: error.message, field: error.field } };
    }
  }

  private put(pathImsi: string, raw: string): SimulatorResponse {
    if (!IMSI.test(pathImsi))
      throw new BadRequest('imsi', 'imsi in the path must be 14 or 15 digits');
    const body = jsonObject(raw);
    for (const name of ['imsi', 'msisdn', 'ki', 'opc']) {
      if (body[name] === undefined || body[name] === null) {
        throw new BadRequest(name, `${name} is required`);
      }
    }
    const imsi = digits(body, 'imsi', IMSI, 'imsi must be 14 or 15 digits');
    if (imsi !== pathImsi) throw new BadRequest('imsi', 'imsi in the body does not match the path');
    const fields = validated(body);
    const existing = this.find(imsi);
    const subscriber: HssSubscriber = {
      subscriber_id: existing?.subscriber_id ?? this.nextId,
      imsi,
      msisdn: fields.msisdn ?? '',
      ki: fields.ki ?? '',
      opc: fields.opc ?? '',
      enabled: fields.enabled ?? true,
      ue_ambr_dl: fields.ue_ambr_dl ?? null,
      ue_ambr_ul: fields.ue_ambr_ul ?? null,
      last_modified: new Date().toISOString(),
    };
    this.checkMsisdn(subscriber);
    if (!existing) this.nextId++;
    this.store.set(subscriber.subscriber_id, subscriber);
    this.received.push({
      operation: existing ? 'replace' : 'create',
      subscriber_id: subscriber.subscriber_id,
      imsi,
      fields: Object.keys(body),
    });
    return { status: 200, body: view(subscriber) };
  }

  private get(key: string): SimulatorResponse {
    const found = this.find(key);
    return found ? { status: 200, body: view(found) } : notFound(key);
  }

  private patch(key: string, raw: string): SimulatorResponse {
    const found = this.find(key);
    if (!found) return notFound(key);
    const body = jsonObject(raw);
    if (body.imsi !== undefined && body.imsi !== null) {
      const imsi = digits(body, 'imsi', IMSI, 'imsi must be 14 or 15 digits');
      if (imsi !== found.imsi) throw new BadRequest('imsi', 'imsi cannot be changed');
    }
    const fields = validated(body);
    const updated: HssSubscriber = {
      ...found,
      ...fields,
      last_modified: new Date().toISOString(),
    };
    this.checkMsisdn(updated);
    this.store.set(updated.subscriber_id, updated);
    this.received.push({
      operation: 'patch',
      subscriber_id: updated.subscriber_id,
      imsi: updated.imsi,
      fields: Object.keys(body),
    });
    return { status: 200, body: view(updated) };
  }

  private remove(key: string): SimulatorResponse {
    const found = this.find(key);
    if (!found) return notFound(key);
    this.store.delete(found.subscriber_id);
    this.received.push({
      operation: 'delete',
      subscriber_id: found.subscriber_id,
      imsi: found.imsi,
      fields: [],
    });
    return {
      status: 200,
      body: {
        message: `Subscriber ${found.subscriber_id} deleted`,
        subscriber_id: found.subscriber_id,
      },
    };
  }

  /** By IMSI when the key has 14-15 digits, else by subscriber_id. */
  private find(key: string): HssSubscriber | undefined {
    if (IMSI.test(key)) return [...this.store.values()].find((s) => s.imsi === key);
    return /^\d+$/.test(key) ? this.store.get(Number(key)) : undefined;
  }

  private checkMsisdn(subscriber: HssSubscriber): void {
    if (this.options.uniqueMsisdn === false) return;
    const holder = [...this.store.values()].find(
      (s) => s.msisdn === subscriber.msisdn && s.subscriber_id !== subscriber.subscriber_id,
    );
    if (holder) {
      throw new BadRequest(
        'msisdn',
        `msisdn ${subscriber.msisdn} is already assigned to subscriber ${holder.subscriber_id}`,
        409,
      );
    }
  }
}

type Fields = Partial<
  Pick<HssSubscriber, 'msisdn' | 'ki' | 'opc' | 'enabled' | 'ue_ambr_dl' | 'ue_ambr_ul'>
>;

/** The writable fields present in `body`, each checked; throws on the first bad one. */
function validated(body: Record<string, unknown>): Fields {
  const fields: Fields = {};
  const present = (name: string): boolean => body[name] !== undefined && body[name] !== null;
  if (present('msisdn'))
    fields.msisdn = digits(body, 'msisdn', MSISDN, 'msisdn must be 1 to 15 digits');
  for (const name of ['ki', 'opc'] as const) {
    if (!present(name)) continue;
    const value = body[name];
    if (typeof value !== 'string' || !HEX32.test(value)) {
      throw new BadRequest(name, `${name} must be 32 hexadecimal characters`);
    }
    fields[name] = value;
  }
  if (present('enabled')) {
    if (typeof body.enabled !== 'boolean')
      throw new BadRequest('enabled', 'enabled must be a boolean');
    fields.enabled = body.enabled;
  }
  for (const name of ['ue_ambr_dl', 'ue_ambr_ul'] as const) {
    if (!present(name)) continue;
    const value = body[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new BadRequest(name, `${name} must be a non-negative integer`);
    }
    fields[name] = value;
  }
  return fields;
}

/** A digit string; integers are taken too, as Ansible renders a numeric template as a number. */
function digits(
  body: Record<string, unknown>,
  name: string,
  pattern: RegExp,
  message: string,
): string {
  const value = body[name];
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        ? String(value)
        : undefined;
  if (text === undefined || !pattern.test(text)) throw new BadRequest(name, message);
  return text;
}

function jsonObject(raw: string): Record<string, unknown> {
  const body = parseJson(raw);
  if (!isRecord(body)) throw new BadRequest('body', 'request body must be a JSON object');
  return body;
}

function view(subscriber: HssSubscriber): HssSubscriberView {
  return {
    subscriber_id: subscriber.subscriber_id,
    imsi: subscriber.imsi,
    msisdn: subscriber.msisdn,
    enabled: subscriber.enabled,
    ue_ambr_dl: subscriber.ue_ambr_dl,
    ue_ambr_ul: subscriber.ue_ambr_ul,
    last_modified: subscriber.last_modified,
  };
}

function notFound(key: string): SimulatorResponse {
  return { status: 404, body: { message: `Subscriber ${key} not found` } };
}
