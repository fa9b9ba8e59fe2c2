import { Writable } from 'node:stream';
import { createLogger } from './logger';
import { initTracing, inSpan, currentTraceId } from './tracing';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  beforeAll(() => initTracing('test'));

  it('redacts secrets and stamps the trace id', async () => {
    const out = capture();
    const logger = createLogger('ingestor', 'info', out.stream);
    const traceId = await inSpan('req', {}, async () => {
      logger.info({ auth: { password: 'hunter2', client_secret: 'cs' } }, 'connecting');
      return currentTraceId();
    });
    const [line] = out.lines();
    expect(line.service).toBe('ingestor');
    expect(line.trace_id).toBe(traceId);
    expect(JSON.stringify(line)).not.toContain('hunter2');
    expect(JSON.stringify(line)).not.toContain('"cs"');
  });
});
