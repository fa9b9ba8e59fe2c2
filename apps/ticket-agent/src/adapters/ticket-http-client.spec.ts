import { parseRetryAfter, productMessage, systemTicketClock } from './ticket-http-client';
import { redactSecrets } from './ticket-system-error';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('productMessage', () => {
  it('reads Jira, ServiceNow, OAuth and plain bodies', () => {
    expect(productMessage('{"errorMessages":["Bad JQL"],"errors":{"jql":"field x"}}')).toBe(
      'Bad JQL; jql: field x',
    );
    expect(
      productMessage('{"error":{"message":"Invalid table x","detail":null},"status":"failure"}'),
    ).toBe('Invalid table x');
    expect(productMessage('{"error":"invalid_grant","error_description":"expired"}')).toBe(
      'invalid_grant (expired)',
    );
    expect(productMessage('<html>Bad gateway</html>')).toBe('<html>Bad gateway</html>');
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence of each secret', () => {
    expect(redactSecrets('token s3cret-x and s3cret-x; key abcd', ['s3cret-x', 'abcd', 'ab'])).toBe(
      'token *** and ***; key ***',
    );
  });
});

describe('systemTicketClock.sleep', () => {
  it('rejects with the abort reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = systemTicketClock.sleep(600_000, controller.signal);
    controller.abort(new Error('stop now'));
    await expect(sleeping).rejects.toThrow('stop now');
  });

  it('resolves after the delay', async () => {
    await expect(systemTicketClock.sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });
});
