import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message the simulator accepted, parsed back with mailparser. */
export interface ReceivedMail {
  /** `From:` header address (the envelope sender is in `envelope`). */
  from: string;
  /** `To:` and `Cc:` header addresses. */
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** Every header, lower-case name → unfolded raw value (the last one when repeated). */
  headers: Record<string, string>;
  envelope: { from: string; to: string[] };
  /** Who authenticated for the session, if anyone did. */
  user?: string;
}

export interface SmtpSimulatorOptions {
  /** Credentials AUTH PLAIN/LOGIN must present; without them AUTH is not offered or required. */
  username?: string;
  password?: string;
  /** Reject messages larger than this many bytes (552), default 10 MiB. */
  maxSize?: number;
}

interface SmtpError extends Error {
  responseCode: number;
}

function smtpError(message: string, responseCode: number): SmtpError {
  return Object.assign(new Error(message), { responseCode });
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((group) => group.value.flatMap((a) => (a.address ? [a.address] : [])));
}

/**
 * A real SMTP server on 127.0.0.1 (random port) for tests: AUTH PLAIN/LOGIN checked against the
 * configured credentials (535 otherwise), each message parsed with mailparser and recorded, and
 * `failNext(n, code)` to answer the next n messages with an SMTP error after DATA (451 = try
 * later, 550/554 = refused). No STARTTLS: the client must be configured for plain SMTP.
 */
export class SmtpSimulator {
  private server: SMTPServer | undefined;
  private readonly kept: ReceivedMail[] = [];
  private failures: { left: number; code: number; message: string } = {
    left: 0,
    code: 451,
    message: '',
  };
  /** Authentication attempts that were refused. */
  authFailures = 0;

  constructor(private readonly options: SmtpSimulatorOptions = {}) {}

  get received(): readonly ReceivedMail[] {
    return this.kept;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get port(): number {
    const address = this.server?.server.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('SMTP simulator is not listening');
    return address.port;
  }

  /** Answers the next `count` messages with `smtpCode` (after reading them) instead of 250. */
  failNext(count: number, smtpCode = 451, message?: string): void {
    if (smtpCode < 400 || smtpCode > 599) throw new RangeError('smtpCode must be 4xx or 5xx');
    this.failures = {
      left: count,
      code: smtpCode,
      message: message ?? (smtpCode < 500 ? 'Try again later' : 'Message refused'),
    };
  }

  reset(): void {
    this.kept.length = 0;
    this.failures.left = 0;
    this.authFailures = 0;
  }

  async start(): Promise<{ host: string; port: number }> {
    const { username, password } = this.options;
    const auth = username !== undefined;
    this.server = new SMTPServer({
      name: 'smtp.simulator.test',
      banner: 'TelcoMesh SMTP simulator',
      logger: false,
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      authOptional: !auth,
      size: this.options.maxSize ?? 10 * 1024 * 1024,
      closeTimeout: 1000,
      onAuth: (credentials, _session, callback) => {
        if (credentials.username === username && credentials.password === password) {
          callback(null, { user: credentials.username });
          return;
        }
        this.authFailures++;
        callback(smtpError('Authentication credentials invalid', 535));
      },
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          () => callback(),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
      },
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // A client hanging up mid-session is not a test failure.
    server.on('error', () => undefined);
    return { host: this.host, port: this.port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `count` messages have been accepted (or rejects after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 5000): Promise<readonly ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.kept.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`expected ${count} messages, got ${this.kept.length} in ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.kept;
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const parsed = await simpleParser(stream);
    if (stream.sizeExceeded) throw smtpError('Message exceeds the size limit', 552);
    if (this.failures.left > 0) {
      this.failures.left--;
      throw smtpError(this.failures.message, this.failures.code);
    }
    const headers: Record<string, string> = {};
    for (const { key, line } of parsed.headerLines) {
      const colon = line.indexOf(':');
      headers[key.toLowerCase()] = line
        .slice(colon + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim();
    }
    const mailFrom = session.envelope.mailFrom;
    this.kept.push({
      from: addresses(parsed.from)[0] ?? '',
      to: addresses(parsed.to),
      cc: addresses(parsed.cc),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : '',
      messageId: parsed.messageId ?? '',
      headers,
      envelope: {
        from: mailFrom ? mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      },
      ...(typeof session.user === 'string' ? { user: session.user } : {}),
    });
  }
}
