import {
  currentTraceId,
  extractTraceContext,
  initTracing,
  injectTraceHeaders,
  inSpan,
} from './tracing';

describe('trace propagation through message headers', () => {
  beforeAll(() => initTracing('test'));

  it('carries one trace id from a producer span to a consumer span', async () => {
    const headers: Record<string, string> = {};
    const producerTrace = await inSpan('produce', {}, async () => {
      injectTraceHeaders(headers);
      return currentTraceId();
    });
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    const consumerTrace = await inSpan(
      'consume',
      { parent: extractTraceContext(headers) },
      async () => currentTraceId(),
    );
    expect(producerTrace).toHaveLength(32);
    expect(consumerTrace).toBe(producerTrace);
  });

  it('starts a new trace when no traceparent arrives', async () => {
    const a = await inSpan('a', { parent: extractTraceContext({}) }, async () => currentTraceId());
    const b = await inSpan('b', { parent: extractTraceContext({}) }, async () => currentTraceId());
    expect(a).not.toBe(b);
  });
});
