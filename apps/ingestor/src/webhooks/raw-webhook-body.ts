import type { IncomingMessage, Server } from 'node:http';
import { DomainError, ErrorCode } from '@telcomesh/platform';

/** Path prefix of signed deliveries, whose bytes must reach the signature check untouched. */
export const SIGNED_WEBHOOK_PATH = '/webhooks/sources/';

/** Where the sender's `content-type` is kept while the body parsers are kept off the request. */
export const RAW_CONTENT_TYPE_HEADER = 'x-telcomesh-raw-content-type';

/**
 * The platform parses JSON bodies before any module middleware runs, and an HMAC must be
 * computed on the bytes as sent, not on re-serialised JSON. So for signed deliveries only, the
 * `content-type` is moved aside before Express sees the request: the parsers skip it and the
 * controller reads the stream itself.
 */
export function keepSignedBodiesRaw(server: Server): void {
  server.prependListener('request', (request: IncomingMessage) => {
    if (request.method !== 'POST' || !request.url?.startsWith(SIGNED_WEBHOOK_PATH)) return;
    const type = request.headers['content-type'];
    if (type === undefined) return;
    request.headers[RAW_CONTENT_TYPE_HEADER] = type;
    delete request.headers['content-type'];
  });
}

/** `512kb`, `5mb`... (HTTP_BODY_LIMIT) in bytes. */
export function bytesOfLimit(limit: string): number {
  const match = /^(\d+)(b|kb|mb)$/.exec(limit);
  if (!match) return 5 * 1024 * 1024;
  const unit = match[2] === 'mb' ? 1024 * 1024 : match[2] === 'kb' ? 1024 : 1;
  return Number(match[1]) * unit;
}

/** The request body as sent; a 400 naming `body` past `limitBytes`. */
export async function readRawBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += bytes.length;
    if (size > limitBytes) {
      throw new DomainError(ErrorCode.InvalidInput, `body is larger than ${limitBytes} bytes`, {
        field: 'body',
      });
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
