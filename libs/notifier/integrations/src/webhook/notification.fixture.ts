import type { HttpResponse, HttpSend, OutboundRequest } from '../integration';
import type { Notification } from '../notification';

/** A config-change notification like the seed's example, for the integrations' tests. */
export function sampleNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'evt-1:route-1:integration-1',
    kind: 'config_change',
    subject: 'app.database.host',
    title: 'Configuration Changed',
    summary: 'app.database.host changed from localhost to prod-db.internal',
    severity: 'major',
    status: 'firing',
    tenant: 'company',
    site: 'site-001',
    fields: [
      { name: 'Key', value: 'app.database.host' },
      { name: 'Old Value', value: 'localhost' },
      { name: 'New Value', value: 'prod-db.internal' },
      { name: 'Changed By', value: 'admin@company.com' },
    ],
    labels: { config_key: 'app.database.host', environment: 'production' },
    occurredAt: new Date('2025-01-01T14:30:00.000Z'),
    url: 'https://telcomesh.example.com/config/app.database.host',
    count: 1,
    ...overrides,
  };
}

/** An `HttpSend` that records requests and answers from a script (the last answer repeats). */
export function scriptedHttp(...answers: Partial<HttpResponse>[]): HttpSend & {
  requests: OutboundRequest[];
} {
  const requests: OutboundRequest[] = [];
  const send = async (request: OutboundRequest): Promise<HttpResponse> => {
    requests.push(request);
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)] ?? {};
    return Promise.resolve({ status: 200, headers: {}, body: '', ...answer });
  };
  return Object.assign(send, { requests });
}
