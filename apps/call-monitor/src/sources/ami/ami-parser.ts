import { StringDecoder } from 'node:string_decoder';

/** Frames larger than this are skipped (64 KiB), as no real AMI message comes near it. */
export const AMI_MAX_FRAME_BYTES = 64 * 1024;

/** The longest part of a skipped frame handed to `onMalformed`. */
const MALFORMED_RAW_LIMIT = 2048;

const GREETING = /^Asterisk Call Manager\/(\S+)/;
const END_COMMAND = '--END COMMAND--';
/** The header lines a legacy `Response: Follows` carries before its command output. */
const FOLLOWS_HEADERS = new Set(['privilege', 'actionid', 'message']);

/** One AMI message: an event, an action response (or, server side, an action). */
export interface AmiMessage {
  /**
   * Every `Key: Value` line in order of first appearance. A key given once maps to its value, a
   * key repeated (`ChanVariable`, `Output`, `Variable`) maps to all its values in order.
   */
  readonly fields: Readonly<Record<string, string | string[]>>;
  /** `Event:` value, when the message is an event. */
  readonly event?: string;
  /** `Response:` value (`Success`, `Error`, `Follows`, `Goodbye`), when it is a response. */
  readonly response?: string;
  /** `ActionID:` value, when present. */
  readonly actionId?: string;
  /** The command output of a legacy `Response: Follows` (lines, `--END COMMAND--` excluded). */
  readonly output?: readonly string[];
}

export interface AmiParserHandlers {
  onMessage(message: AmiMessage): void;
  /** The `Asterisk Call Manager/x.y.z` line a server sends first: its version and the line. */
  onGreeting?(version: string, line: string): void;
  /** A skipped frame: why, and (the start of) its text. The parser never throws. */
  onMalformed?(reason: string, raw: string): void;
}

export interface AmiParserOptions {
  /** Frame size limit in bytes; 64 KiB by default. */
  maxFrameBytes?: number;
}

/** The first value of a field, keys compared without case (`ActionID` = `ActionId`). */
export function amiField(message: AmiMessage, key: string): string | undefined {
  const value = lookup(message.fields, key);
  return Array.isArray(value) ? value[0] : value;
}

/** Every value of a field (empty when absent), keys compared without case. */
export function amiFields(message: AmiMessage, key: string): string[] {
  const value = lookup(message.fields, key);
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [value];
}

function lookup(
  fields: Readonly<Record<string, string | string[]>>,
  key: string,
): string | string[] | undefined {
  if (Object.hasOwn(fields, key)) return fields[key];
  const lower = key.toLowerCase();
  for (const name of Object.keys(fields)) if (name.toLowerCase() === lower) return fields[name];
  return undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type FrameState = 'fields' | 'follows-headers' | 'follows-output';

/**
 * Incremental parser of the AMI wire format: the greeting line, then frames of `Key: Value`
 * lines ended by a blank line. Lines end in CRLF or a bare LF; chunks may split anywhere (inside
 * a line, a CRLF or a UTF-8 character). Values keep any `:` after the first. A legacy
 * `Response: Follows` collects the command output up to `--END COMMAND--`. A frame with a line
 * that has no `:` (other than the greeting) or larger than the limit is skipped and reported.
 */
export class AmiParser {
  private readonly maxFrameBytes: number;
  private decoder = new StringDecoder('utf8');
  private pending = '';
  /** The line in `pending` has been partly dropped (oversized): its rest is no blank line. */
  private droppingLine = false;

  private lines: string[] = [];
  private frameBytes = 0;
  private state: FrameState = 'fields';
  private fields: Record<string, string | string[]> = {};
  private output: string[] = [];
  /** Why the current frame will be skipped, once known. */
  private malformed: string | undefined;
  /** The current frame is being discarded for its size: its lines are not kept. */
  private oversized = false;

  constructor(
    private readonly handlers: AmiParserHandlers,
    options: AmiParserOptions = {},
  ) {
    this.maxFrameBytes = options.maxFrameBytes ?? AMI_MAX_FRAME_BYTES;
  }

  /** Feeds bytes (or text) as they arrive. */
  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const newline = this.pending.indexOf('\n', start);
      if (newline < 0) break;
      let end = newline;
      if (end > start && this.pending.charCodeAt(end - 1) === 13) end -= 1;
      const line = this.pending.slice(start, end);
      start = newline + 1;
      if (this.droppingLine) {
        this.droppingLine = false;
        continue;
      }
      this.line(line);
    }
    this.pending = start === 0 ? this.pending : this.pending.slice(start);
    if (this.pending.length > this.maxFrameBytes - this.frameBytes) {
      // A line longer than a frame may be: drop it as it comes rather than buffering it.
      if (!this.oversized) this.markOversized(this.pending);
      this.pending = this.pending.endsWith('\r') ? '\r' : '';
      this.droppingLine = true;
    }
  }

  /** The stream ended: an unfinished frame is reported as malformed. Resets the parser. */
  end(): void {
    this.push(this.decoder.end());
    const last = this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
    if (last !== '' && !this.droppingLine) this.line(last);
    if (this.lines.length > 0 || this.oversized) {
      this.report(this.malformed ?? 'stream ended inside a frame');
    }
    this.reset();
  }

  /** Forgets any partial input (for a new connection). */
  reset(): void {
    this.decoder = new StringDecoder('utf8');
    this.pending = '';
    this.droppingLine = false;
    this.clearFrame();
  }

  private line(line: string): void {
    if (line === '') {
      this.blankLine();
      return;
    }
    if (this.lines.length === 0 && !this.oversized && this.state === 'fields') {
      const greeting = GREETING.exec(line);
      if (greeting) {
        this.handlers.onGreeting?.(greeting[1], line);
        return;
      }
    }
    this.frameBytes += Buffer.byteLength(line, 'utf8') + 2;
    if (this.oversized) return;
    if (this.frameBytes > this.maxFrameBytes) {
      this.markOversized(line);
      return;
    }
    this.lines.push(line);
    if (this.malformed !== undefined) return;

    if (this.state === 'follows-output') {
      this.followsOutput(line);
      return;
    }
    const colon = line.indexOf(':');
    const key = colon > 0 ? line.slice(0, colon).trim() : '';
    if (this.state === 'follows-headers') {
      if (key !== '' && FOLLOWS_HEADERS.has(key.toLowerCase()) && !line.endsWith(END_COMMAND)) {
        this.addField(key, line.slice(colon + 1));
        return;
      }
      this.state = 'follows-output';
      this.followsOutput(line);
      return;
    }
    if (key === '') {
      this.malformed =
        colon < 0
          ? `line ${this.lines.length} has no ':'`
          : `line ${this.lines.length} has an empty key`;
      return;
    }
    this.addField(key, line.slice(colon + 1));
    if (this.lines.length === 1 && key.toLowerCase() === 'response') {
      const value = this.fields[key];
      if (typeof value === 'string' && value.toLowerCase() === 'follows') {
        this.state = 'follows-headers';
      }
    }
  }

  private blankLine(): void {
    if (this.state === 'fields' || this.malformed !== undefined || this.oversized) {
      if (this.lines.length > 0 || this.oversized) this.finishFrame();
      return;
    }
    // Command output may hold blank lines: they belong to it until --END COMMAND--.
    if (this.state === 'follows-headers') this.state = 'follows-output';
    else this.output.push('');
    this.frameBytes += 2;
    this.lines.push('');
  }

  private followsOutput(line: string): void {
    if (!line.endsWith(END_COMMAND)) {
      this.output.push(line);
      return;
    }
    // Old servers may end the last output line without a newline before the marker.
    const rest = line.slice(0, -END_COMMAND.length);
    if (rest !== '') this.output.push(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    this.emit();
  }

  private addField(key: string, rawValue: string): void {
    const value = rawValue.trimStart();
    const existing = this.fields[key];
    if (existing === undefined) this.fields[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else this.fields[key] = [existing, value];
  }

  private markOversized(partial: string): void {
    this.oversized = true;
    this.malformed = `frame larger than ${this.maxFrameBytes} bytes`;
    if (this.lines.join('\r\n').length < MALFORMED_RAW_LIMIT) this.lines.push(partial);
  }

  private finishFrame(): void {
    if (this.malformed !== undefined) this.report(this.malformed);
    else this.emit();
  }

  private emit(): void {
    const fields = this.fields;
    const output = this.state === 'fields' ? undefined : this.output;
    this.clearFrame();
    const message: Mutable<AmiMessage> = { fields };
    const event = amiField(message, 'Event');
    const response = amiField(message, 'Response');
    const actionId = amiField(message, 'ActionID');
    if (event !== undefined) message.event = event;
    if (response !== undefined) message.response = response;
    if (actionId !== undefined) message.actionId = actionId;
    if (output !== undefined) message.output = output;
    this.handlers.onMessage(message);
  }

  private report(reason: string): void {
    let raw = this.lines.join('\r\n');
    if (raw.length > MALFORMED_RAW_LIMIT) raw = `${raw.slice(0, MALFORMED_RAW_LIMIT)}…`;
    this.clearFrame();
    this.handlers.onMalformed?.(reason, raw);
  }

  private clearFrame(): void {
    this.lines = [];
    this.frameBytes = 0;
    this.state = 'fields';
    this.fields = {};
    this.output = [];
    this.malformed = undefined;
    this.oversized = false;
  }
}

/** Parses a complete text (a capture, a test fixture): the messages and the skipped frames. */
export function parseAmi(
  text: Buffer | string,
  options: AmiParserOptions = {},
): { messages: AmiMessage[]; malformed: { reason: string; raw: string }[]; greeting?: string } {
  const messages: AmiMessage[] = [];
  const malformed: { reason: string; raw: string }[] = [];
  let greeting: string | undefined;
  const parser = new AmiParser(
    {
      onMessage: (m) => messages.push(m),
      onGreeting: (version) => (greeting = version),
      onMalformed: (reason, raw) => malformed.push({ reason, raw }),
    },
    options,
  );
  parser.push(text);
  parser.end();
  return greeting === undefined ? { messages, malformed } : { messages, malformed, greeting };
}
