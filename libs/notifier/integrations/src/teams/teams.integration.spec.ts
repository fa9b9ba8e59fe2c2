import { teamsMessageError } from '@telcomesh/testing';
import { sampleNotification, scriptedHttp } from '../webhook/notification.fixture';
import { parseTeamsConfig } from './teams.config';
import {
  TEAMS_MAX_PAYLOAD_BYTES,
  TeamsIntegration,
  type AdaptiveFactSet,
} from './teams.integration';

const URL_ =
  'https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SeCrEtSiG';

const teams = () => new TeamsIntegration(parseTeamsConfig({ webhook_url: URL_ }));

describe('TeamsIntegration payload', () => {
  it('builds a message with one Adaptive Card 1.4: title, summary, facts, context, link', () => {
    const message = teams().buildMessage(sampleNotification({ severity: 'critical' }));
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = attachment.content;
    expect(card).toMatchObject({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
    });
    expect(card.body[0]).toMatchObject({
      type: 'TextBlock',
      text: 'CRITICAL: Configuration Changed',
      color: 'Attention',
      weight: 'Bolder',
    });
    expect(card.body[1]).toMatchObject({ type: 'TextBlock', text: sampleNotification().summary });
    expect(card.body[2]).toEqual({
      type: 'FactSet',
      facts: [
        { title: 'Key', value: 'app.database.host' },
        { title: 'Old Value', value: 'localhost' },
        { title: 'New Value', value: 'prod-db.internal' },
        { title: 'Changed By', value: 'admin@company.com' },
      ],
    });
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open in TelcoMesh', url: sampleNotification().url },
    ]);
    expect(teamsMessageError(message)).toBeUndefined();
  });

  it('leaves out the link without a url and the fact set without fields; resolved is Good', () => {
    const card = teams().buildMessage(
      sampleNotification({ url: undefined, fields: [], status: 'resolved' }),
    ).attachments[0].content;
    expect(card.actions).toBeUndefined();
    expect(card.body.map((b) => b.type)).toEqual(['TextBlock', 'TextBlock', 'TextBlock']);
    expect(card.body[0]).toMatchObject({ color: 'Good' });
  });

  it('stays under 28 KB by cutting facts, saying how many went', () => {
    const message = teams().buildMessage(
      sampleNotification({
        fields: Array.from({ length: 500 }, (_, i) => ({
          name: `field ${i}`,
          value: 'é'.repeat(900),
        })),
      }),
    );
    const size = Buffer.byteLength(JSON.stringify(message));
    expect(size).toBeLessThanOrEqual(TEAMS_MAX_PAYLOAD_BYTES);
    expect(size).toBeGreaterThan(TEAMS_MAX_PAYLOAD_BYTES - 2000);
    const facts = (message.attachments[0].content.body[2] as AdaptiveFactSet).facts;
    expect(facts[0].title).toBe('field 0');
    expect(facts.at(-1)).toEqual({ title: '…', value: `${500 - (facts.length - 1)} more` });
    expect(teamsMessageError(message)).toBeUndefined();
  });

  it('cuts a huge summary and title too', () => {
    const message = teams().buildMessage(
      sampleNotification({ title: '题'.repeat(10_000), summary: '题'.repeat(100_000) }),
    );
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(TEAMS_MAX_PAYLOAD_BYTES);
    expect(
      (message.attachments[0].content.body[0] as { text: string }).text.length,
    ).toBeLessThanOrEqual(256);
  });
});

describe('TeamsIntegration delivery', () => {
  it('posts JSON; 202 (Workflows) and 200 "1" (connector) are delivered', async () => {
    const http = scriptedHttp({ status: 202 });
    await expect(teams().deliver([sampleNotification()], http)).resolves.toEqual({
      result: 'delivered',
      status: 202,
    });
    expect(http.requests[0]).toMatchObject({ method: 'POST', url: URL_ });
    await expect(
      teams().deliver([sampleNotification()], scriptedHttp({ status: 200, body: '1' })),
    ).resolves.toMatchObject({ result: 'delivered' });
  });

  it('reads a connector 200 carrying a throttling error as retry, other inner errors as failed', async () => {
    await expect(
      teams().deliver(
        [sampleNotification()],
        scriptedHttp({
          status: 200,
          body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0',
        }),
      ),
    ).resolves.toMatchObject({ result: 'retry', status: 429 });
    await expect(
      teams().deliver(
        [sampleNotification()],
        scriptedHttp({
          status: 200,
          body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413',
        }),
      ),
    ).resolves.toMatchObject({ result: 'failed', status: 413 });
  });

  it.each([400, 401, 404, 413])('fails on %i without leaking the signature', async (status) => {
    const outcome = await teams().deliver(
      [sampleNotification()],
      scriptedHttp({ status, body: '{"error":{"code":"X"}}' }),
    );
    expect(outcome).toMatchObject({ result: 'failed', status });
    expect(JSON.stringify(outcome)).not.toContain('SeCrEtSiG');
    expect(JSON.stringify(outcome)).toContain('logic.azure.com');
  });

  it('retries 429 with Retry-After and 5xx', async () => {
    await expect(
      teams().deliver(
        [sampleNotification()],
        scriptedHttp({ status: 429, headers: { 'retry-after': '12' } }),
      ),
    ).resolves.toMatchObject({ result: 'retry', retryAfterMs: 12_000 });
    await expect(
      teams().deliver([sampleNotification()], scriptedHttp({ status: 503 })),
    ).resolves.toMatchObject({ result: 'retry', status: 503 });
  });

  it('health: 405 to GET means the endpoint and signature are good; 401 does not', async () => {
    const probe = scriptedHttp({ status: 405 });
    await expect(teams().checkHealth(probe)).resolves.toMatchObject({ healthy: true });
    expect(probe.requests[0].method).toBe('GET');
    const bad = await teams().checkHealth(scriptedHttp({ status: 401 }));
    expect(bad.healthy).toBe(false);
    expect(bad.detail).not.toContain('SeCrEtSiG');
  });
});

describe('parseTeamsConfig', () => {
  it('names bad fields without echoing the URL', () => {
    let message = '';
    try {
      parseTeamsConfig({ webhook_url: 'SeCrEtSiG', link_title: 7 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('webhook_url');
    expect(message).toContain('link_title');
    expect(message).not.toContain('SeCrEtSiG');
    expect(parseTeamsConfig({ webhook_url: URL_ }).link_title).toBe('Open in TelcoMesh');
  });
});
