import { createHash } from 'node:crypto';
import { createTransport, type SendMailOptions } from 'nodemailer';
import type { DeliveryOutcome, HttpSend, Integration, IntegrationHealth } from '../integration';
import type { Notification } from '../notification';
import { describeError, since } from '../webhook/integration-support';
import type { EmailConfig } from './email.config';
import { renderEmail } from './email.templates';

/** What the integration needs from a nodemailer transporter (a fake can stand in for it). */
export interface EmailTransport {
  sendMail(mail: SendMailOptions): Promise<{ messageId?: string; response?: string }>;
  verify(): Promise<unknown>;
  close(): void;
}

/** Error codes nodemailer (and Node's sockets) use when the connection, not the message, failed. */
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** Errors no retry can fix: bad credentials or configuration, an unusable envelope. */
const PERMANENT_CODES = new Set([
  'EAUTH',
  'ENOAUTH',
  'EOAUTH2',
  'ECONFIG',
  'EENVELOPE',
  'EREQUIRETLS',
]);

function errorProperty(error: unknown, key: 'code' | 'responseCode' | 'response'): unknown {
  return typeof error === 'object' && error !== null && key in error
    ? (error as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Classifies an SMTP failure (RFC 5321 §4.2.1): a 4yz reply is transient → retry; a 5yz reply is
 * permanent → failed (535 bad credentials, 550 mailbox refused, 552 too big...). Without a reply,
 * connection-level errors (refused, reset, timeout, TLS, DNS) → retry; authentication and
 * configuration errors → failed; anything else → retry (the delivery layer bounds retries).
 */
export function classifySmtpError(
  error: unknown,
  secrets: readonly (string | undefined)[] = [],
): DeliveryOutcome {
  const reason = truncateReason(describeError(error, secrets));
  const responseCode = errorProperty(error, 'responseCode');
  const code = errorProperty(error, 'code');
  if (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 600) {
    return responseCode < 500
      ? { result: 'retry', status: responseCode, reason }
      : { result: 'failed', status: responseCode, reason };
  }
  if (typeof code === 'string' && PERMANENT_CODES.has(code)) return { result: 'failed', reason };
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return { result: 'retry', reason };
  return { result: 'retry', reason };
}

function truncateReason(reason: string): string {
  return reason.length > 500 ? `${reason.slice(0, 499)}…` : reason;
}

/** `Name <user@host>` or `user@host` → `host` (the right side of Message-IDs). */
function domainOf(address: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(address);
  return match ? match[1].toLowerCase() : 'telcomesh.invalid';
}

// RFC 5322 dot-atom text, minus `.` at the ends (kept simple: no dots at all from ids we hash).
const ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;

/**
 * The Message-ID for a notification (or a digest of several): the same notifications always get
 * the same id, so a receiver or archive can drop a resend after a retry. An id that is not a valid
 * dot-atom, or a digest, is hashed.
 */
export function messageIdFor(notifications: readonly Notification[], from: string): string {
  const domain = domainOf(from);
  if (notifications.length === 1) {
    const { id } = notifications[0];
    if (ATOM.test(id) && id.length <= 200) return `<${id}@${domain}>`;
    return `<n-${createHash('sha256').update(id).digest('hex').slice(0, 40)}@${domain}>`;
  }
  const digest = createHash('sha256')
    .update(JSON.stringify(notifications.map((n) => n.id)))
    .digest('hex')
    .slice(0, 40);
  return `<digest-${digest}@${domain}>`;
}

function headerSafe(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/**
 * E-mail over SMTP with nodemailer: one multipart (HTML + plain text) message per notification,
 * or one digest for a batch (`digest_size`). Templates by kind: generic, configuration change,
 * provisioning failure. The `http` argument is not used: SMTP is its own protocol.
 */
export class EmailIntegration implements Integration {
  readonly type = 'email';
  readonly maxBatchSize: number;
  private readonly transport: EmailTransport;

  constructor(
    private readonly config: EmailConfig,
    transport?: EmailTransport,
  ) {
    this.maxBatchSize = config.digest_size;
    this.transport = transport ?? EmailIntegration.createTransport(config);
  }

  /** A nodemailer SMTP transport for the config (one connection per message, no pool). */
  static createTransport(config: EmailConfig): EmailTransport {
    return createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: !config.secure && config.starttls,
      ignoreTLS: !config.secure && !config.starttls,
      ...(config.username !== undefined
        ? { auth: { user: config.username, pass: config.password ?? '' } }
        : {}),
      connectionTimeout: config.timeout_ms,
      greetingTimeout: config.timeout_ms,
      socketTimeout: config.timeout_ms,
      tls: { rejectUnauthorized: config.tls_reject_unauthorized },
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  /** The message that would be sent, without sending it. */
  compose(notifications: readonly Notification[]): SendMailOptions {
    const rendered = renderEmail(notifications, { subjectPrefix: this.config.subject_prefix });
    return {
      from: this.config.from,
      to: this.config.to,
      ...(this.config.cc.length > 0 ? { cc: this.config.cc } : {}),
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId: messageIdFor(notifications, this.config.from),
      headers: {
        'X-TelcoMesh-Notification-Id': headerSafe(notifications.map((n) => n.id).join(', ')),
        'X-TelcoMesh-Kind': headerSafe([...new Set(notifications.map((n) => n.kind))].join(', ')),
        'Auto-Submitted': 'auto-generated',
      },
      disableFileAccess: true,
      disableUrlAccess: true,
    };
  }

  async deliver(notifications: Notification[], _http: HttpSend): Promise<DeliveryOutcome> {
    if (notifications.length === 0) return { result: 'failed', reason: 'no notifications to send' };
    let mail: SendMailOptions;
    try {
      mail = this.compose(notifications);
    } catch (error) {
      return { result: 'failed', reason: `could not render: ${describeError(error, [])}` };
    }
    try {
      const info = await this.transport.sendMail(mail);
      const status = Number(/^(\d{3})/.exec(info.response ?? '')?.[1] ?? 250);
      return { result: 'delivered', status, reference: info.messageId ?? String(mail.messageId) };
    } catch (error) {
      return classifySmtpError(error, [this.config.password]);
    }
  }

  /** Connects, upgrades to TLS as configured and authenticates; sends nothing. */
  async checkHealth(_http: HttpSend): Promise<IntegrationHealth> {
    const started = Date.now();
    try {
      await this.transport.verify();
      return {
        healthy: true,
        detail: `SMTP ${this.config.host}:${this.config.port} accepts ${this.config.username ? 'our credentials' : 'connections'}`,
        latencyMs: since(started),
      };
    } catch (error) {
      return {
        healthy: false,
        detail: truncateReason(describeError(error, [this.config.password])),
        latencyMs: since(started),
      };
    }
  }

  /** Releases the transport's sockets. */
  close(): void {
    this.transport.close();
  }
}
