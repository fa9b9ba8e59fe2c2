/**
 * The dispatch-server client the CCCP source talks through, independent of the transport: the
 * JSON-over-websocket client (`JsonDispatchClient`, see PROTOCOL.md) is one implementation; a
 * native CCCP client wrapped to this interface is a drop-in replacement. One client serves one
 * connection: the source makes a new one through the factory for every (re)connection attempt.
 */

/** A field value of a dispatch object as the server gives it; `null` means empty. */
export type DispatchFieldValue = string | number | boolean | null;

export type DispatchFields = Readonly<Record<string, DispatchFieldValue>>;

/** One object of a view (a session, a queued task, a task): its id and the view's fields. */
export interface DispatchItem {
  itemId: string;
  fields: DispatchFields;
}

export interface DispatchServerInfo {
  serverName?: string;
  /** The server's clock at login, when it says. */
  serverTime?: Date;
}

export interface StartViewRequest {
  /** `sessions`, `queues` or `tasks`. */
  objectType: string;
  /** A name of the client's choosing, shown in the server's own monitoring. */
  viewName: string;
  /** Fields each item of the view carries (besides its id). */
  fields: readonly string[];
  /** View filter expression (see view-filter.ts); empty for every object. */
  filter: string;
  /** Ask the server to push the view's changes; it may refuse (see `StartedView.push`). */
  push: boolean;
}

export interface StartedView {
  viewIdx: number;
  /** The server will push this view's changes as `DispatchViewUpdate`s. */
  push: boolean;
  /** The view's sequence number now; the first pushed update carries `seq + 1`. */
  seq: number;
}

export interface QueryListRequest {
  viewIdx: number;
  objectType: string;
  /** Narrows the view's own filter for this query; empty for the whole view. */
  filter: string;
  /** Items come ordered by id; a page starts after this id (absent: from the first). */
  after?: string;
  limit: number;
}

export interface ListPage {
  viewIdx: number;
  /** Items of the whole query (all pages). */
  totalCount: number;
  items: DispatchItem[];
  /** The view's sequence number when this page was read: it includes every update up to it. */
  seq: number;
  /** Id to pass as `after` for the next page; absent on the last page. */
  nextAfter?: string;
  /** The server's clock when it read the page, when it says. */
  at?: Date;
}

export type DispatchChange =
  | { op: 'added' | 'changed'; itemId: string; fields: DispatchFields }
  | { op: 'removed'; itemId: string };

/** A server-pushed change of one view; `seq` grows by exactly 1 per update of that view. */
export interface DispatchViewUpdate {
  viewIdx: number;
  seq: number;
  at?: Date;
  changes: DispatchChange[];
}

/** What a client reports besides answers to its requests. */
export interface DispatchClientEvents {
  viewUpdate(update: DispatchViewUpdate): void;
  /** The connection ended (not called after the client's own `close()`). */
  closed(reason: string, error?: Error): void;
  /** A server message (or an item of one) that could not be understood and was skipped. */
  protocolError(reason: string): void;
}

export interface DispatchClient {
  /** Opens the transport and logs in; a refused login rejects with `DispatchAuthError`. */
  connect(): Promise<DispatchServerInfo>;
  startView(request: StartViewRequest): Promise<StartedView>;
  /** One page of a view's objects. */
  queryList(request: QueryListRequest): Promise<ListPage>;
  /** Closes the connection; pending requests reject with `DispatchClosedError`. */
  close(): Promise<void>;
}

export type DispatchClientFactory = (events: DispatchClientEvents) => DispatchClient;

export class DispatchError extends Error {
  override name = 'DispatchError';
}

/** The server refused the credentials (the message never carries the password). */
export class DispatchAuthError extends DispatchError {
  override name = 'DispatchAuthError';
}

/** The server answered a request with an error. */
export class DispatchRequestError extends DispatchError {
  override name = 'DispatchRequestError';
  constructor(
    readonly request: string,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`dispatch ${request} failed (${code}): ${detail}`);
  }
}

export class DispatchTimeoutError extends DispatchError {
  override name = 'DispatchTimeoutError';
}

/** The connection is closed, or closed while the request waited. */
export class DispatchClosedError extends DispatchError {
  override name = 'DispatchClosedError';
}

/** The server's answer to a request could not be understood. */
export class DispatchProtocolError extends DispatchError {
  override name = 'DispatchProtocolError';
}
