import {
  type DispatchChange,
  type DispatchFieldValue,
  type DispatchFields,
  type DispatchItem,
  type DispatchViewUpdate,
  type ListPage,
  type StartedView,
} from './dispatch-client';

/**
 * The JSON dispatch protocol's server messages (PROTOCOL.md), read and checked. Checking is
 * strict: a message that does not have the documented shape is a problem saying what is wrong,
 * never a half-read value.
 */

export type JsonServerMessage =
  | { type: 'login_ok'; replyTo: number; serverName?: string; serverTime?: Date }
  | { type: 'view_started'; replyTo: number; view: StartedView }
  | { type: 'list_response'; replyTo: number; page: ListPage; skippedItems: string[] }
  | { type: 'view_update'; update: DispatchViewUpdate }
  | { type: 'error'; replyTo?: number; code: string; message: string };

export type JsonServerMessageResult =
  | { ok: true; message: JsonServerMessage }
  /** `replyTo` when the broken message still says which request it answers. */
  | { ok: false; problem: string; replyTo?: number };

type JsonObject = Record<string, unknown>;

class ShapeError extends Error {}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireInteger(object: JsonObject, key: string, min = 0): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ShapeError(`'${key}' should be an integer ≥ ${min} but is ${show(value)}`);
  }
  return value;
}

function requireString(object: JsonObject, key: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') {
    throw new ShapeError(`'${key}' should be a non-empty string but is ${show(value)}`);
  }
  return value;
}

function optionalString(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new ShapeError(`'${key}' should be a string but is ${show(value)}`);
  return value;
}

function optionalDate(object: JsonObject, key: string): Date | undefined {
  const text = optionalString(object, key);
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new ShapeError(`'${key}' is not a date: ${show(text)}`);
  return date;
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function readFields(value: unknown, where: string): DispatchFields {
  if (!isObject(value))
    throw new ShapeError(`${where}: 'fields' should be an object but is ${show(value)}`);
  const fields: Record<string, DispatchFieldValue> = {};
  for (const [key, field] of Object.entries(value)) {
    if (
      field !== null &&
      typeof field !== 'string' &&
      typeof field !== 'boolean' &&
      !(typeof field === 'number' && Number.isFinite(field))
    ) {
      throw new ShapeError(
        `${where}: field '${key}' should be text, a number, a boolean or null but is ${show(field)}`,
      );
    }
    fields[key] = field;
  }
  return fields;
}

function readItem(value: unknown, index: number): DispatchItem {
  if (!isObject(value))
    throw new ShapeError(`item ${index} should be an object but is ${show(value)}`);
  const itemId = value.item_id;
  if (typeof itemId !== 'string' || itemId === '') {
    throw new ShapeError(
      `item ${index}: 'item_id' should be a non-empty string but is ${show(itemId)}`,
    );
  }
  return { itemId, fields: readFields(value.fields, `item '${itemId}'`) };
}

function readChange(value: unknown, index: number): DispatchChange {
  if (!isObject(value))
    throw new ShapeError(`change ${index} should be an object but is ${show(value)}`);
  const itemId = value.item_id;
  if (typeof itemId !== 'string' || itemId === '') {
    throw new ShapeError(
      `change ${index}: 'item_id' should be a non-empty string but is ${show(itemId)}`,
    );
  }
  const op = value.op;
  if (op === 'removed') return { op, itemId };
  if (op === 'added' || op === 'changed') {
    return { op, itemId, fields: readFields(value.fields, `change ${index} ('${itemId}')`) };
  }
  throw new ShapeError(
    `change ${index}: 'op' should be added, changed or removed but is ${show(op)}`,
  );
}

function readListResponse(object: JsonObject, replyTo: number): JsonServerMessage {
  const items = object.items;
  if (!Array.isArray(items))
    throw new ShapeError(`'items' should be an array but is ${show(items)}`);
  const page: ListPage = {
    viewIdx: requireInteger(object, 'view_idx'),
    totalCount: requireInteger(object, 'total_count'),
    seq: requireInteger(object, 'seq'),
    items: [],
  };
  const nextAfter = optionalString(object, 'next_after');
  if (nextAfter !== undefined) page.nextAfter = nextAfter;
  const at = optionalDate(object, 'at');
  if (at) page.at = at;
  // One bad item is skipped (and reported), the rest of the page still counts.
  const skippedItems: string[] = [];
  items.forEach((item: unknown, index) => {
    try {
      page.items.push(readItem(item, index));
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      skippedItems.push(`list_response for view ${page.viewIdx}: ${error.message}`);
    }
  });
  return { type: 'list_response', replyTo, page, skippedItems };
}

function readViewUpdate(object: JsonObject): JsonServerMessage {
  const changes = object.changes;
  if (!Array.isArray(changes))
    throw new ShapeError(`'changes' should be an array but is ${show(changes)}`);
  // A bad change spoils the whole update: applying part of it would silently diverge, while
  // dropping it leaves a sequence gap the source repairs with a rescan.
  const update: DispatchViewUpdate = {
    viewIdx: requireInteger(object, 'view_idx'),
    seq: requireInteger(object, 'seq', 1),
    changes: changes.map((change: unknown, index) => readChange(change, index)),
  };
  const at = optionalDate(object, 'at');
  if (at) update.at = at;
  return { type: 'view_update', update };
}

function readMessage(object: JsonObject, type: string): JsonServerMessage {
  switch (type) {
    case 'login_ok': {
      const message: JsonServerMessage = { type, replyTo: requireInteger(object, 'reply_to', 1) };
      const serverName = optionalString(object, 'server_name');
      if (serverName !== undefined) message.serverName = serverName;
      const serverTime = optionalDate(object, 'server_time');
      if (serverTime) message.serverTime = serverTime;
      return message;
    }
    case 'view_started': {
      const push = object.push;
      if (typeof push !== 'boolean')
        throw new ShapeError(`'push' should be true or false but is ${show(push)}`);
      return {
        type,
        replyTo: requireInteger(object, 'reply_to', 1),
        view: {
          viewIdx: requireInteger(object, 'view_idx'),
          push,
          seq: requireInteger(object, 'seq'),
        },
      };
    }
    case 'list_response':
      return readListResponse(object, requireInteger(object, 'reply_to', 1));
    case 'view_update':
      return readViewUpdate(object);
    case 'error': {
      const message: JsonServerMessage = {
        type,
        code: requireString(object, 'code'),
        message: optionalString(object, 'message') ?? '',
      };
      if (object.reply_to !== undefined && object.reply_to !== null) {
        message.replyTo = requireInteger(object, 'reply_to', 1);
      }
      return message;
    }
    default:
      throw new ShapeError(`unknown message type ${show(type)}`);
  }
}

/** Reads one websocket text message from the server. */
export function parseServerMessage(text: string): JsonServerMessageResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: `not JSON (${reason}): ${show(text)}` };
  }
  if (!isObject(value)) return { ok: false, problem: `not a JSON object: ${show(value)}` };
  const type = value.type;
  const replyTo =
    typeof value.reply_to === 'number' && Number.isInteger(value.reply_to)
      ? value.reply_to
      : undefined;
  if (typeof type !== 'string') {
    return { ok: false, problem: `'type' should be a string but is ${show(type)}`, replyTo };
  }
  try {
    return { ok: true, message: readMessage(value, type) };
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    return { ok: false, problem: `${type}: ${error.message}`, replyTo };
  }
}
