import { slackMessageError } from '@telcomesh/testing';
import { sampleNotification, scriptedHttp } from '../webhook/notification.fixture';
import { parseSlackConfig } from './slack.config';
import { SLACK_LIMITS, SlackIntegration, slackMention, type SlackBlock } from './slack.integration';

const WEBHOOK = 'https://hooks.slack.com/services/T000/B000/sEcReTtOkEn';

function slack(extra: Record<string, unknown> = {}) {
  return new SlackIntegration(
    parseSlackConfig({
      webhook_url: WEBHOOK,
      channel: '#config-changes',
      username: 'APG Config Bot',
      icon_emoji: ':gear:',
      mention_groups: ['@devops-team', '@here', 'S0123ABCD'],
      ...extra,
    }),
  );
}

function texts(blocks: SlackBlock[]): string[] {
  return blocks.flatMap((b) => {
    switch (b.type) {
      case 'header':
        return [b.text.text];
      case 'section':
        return [...(b.text ? [b.text.text] : []), ...(b.fields ?? []).map((f) => f.text)];
      case 'context':
        return b.elements.map((e) => e.text);
      case 'actions':
        return b.elements.map((e) => e.text.text);
    }
  });
}

describe('SlackIntegration payload', () => {
  it('builds a Block Kit message with header, summary, fields, context and a link', () => {
    const message = slack().buildMessage(sampleNotification());
    expect(message.channel).toBe('#config-changes');
    expect(message.username).toBe('APG Config Bot');
    expect(message.icon_emoji).toBe(':gear:');
    expect(message.text).toContain('Configuration Changed');
    expect(message.blocks.map((b) => b.type)).toEqual([
      'header',
      'section',
      'section',
      'context',
      'actions',
    ]);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Configuration Changed', emoji: true },
    });
    const fields = message.blocks[2];
    expect(fields.type === 'section' && fields.fields?.map((f) => f.text)).toEqual([
      '*Key*\napp.database.host',
      '*Old Value*\nlocalhost',
      '*New Value*\nprod-db.internal',
      '*Changed By*\nadmin@company.com',
    ]);
    expect(slackMessageError(message)).toBeUndefined();
  });

  it('leaves channel, username and icon out when not configured', () => {
    const message = new SlackIntegration(parseSlackConfig({ webhook_url: WEBHOOK })).buildMessage(
      sampleNotification({ url: undefined }),
    );
    expect(message).not.toHaveProperty('channel');
    expect(message).not.toHaveProperty('username');
    expect(message).not.toHaveProperty('icon_emoji');
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('cuts oversized input to every Block Kit limit and stays valid', () => {
    const huge = '<&>'.repeat(5000);
    const message = slack().buildMessage(
      sampleNotification({
        title: 'T'.repeat(1000),
        summary: huge,
        subject: 's'.repeat(5000),
        fields: Array.from({ length: 700 }, (_, i) => ({ name: `f${i}`, value: huge })),
      }),
    );
    const L = SLACK_LIMITS;
    expect(message.blocks.length).toBeLessThanOrEqual(L.blocks);
    expect(message.blocks.length).toBe(L.blocks);
    expect(message.text.length).toBeLessThanOrEqual(L.fallbackText);
    expect(message.text).toContain('&lt;&amp;&gt;');
    expect(message.text).not.toContain('<&>');
    for (const block of message.blocks) {
      if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
      if (block.type === 'section') {
        expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
        expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
        for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
      if (block.type === 'context') {
        for (const e of block.elements) expect(e.text.length).toBeLessThanOrEqual(3000);
      }
    }
    // Escaping never leaves a half entity or a raw angle bracket behind.
    for (const text of texts(message.blocks.slice(1, -2))) {
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(texts(message.blocks).join('')).toContain('_…and');
    expect(slackMessageError(message)).toBeUndefined();
  });

  it('pings mention_groups on critical notifications only', () => {
    const critical = slack().buildMessage(sampleNotification({ severity: 'critical' }));
    const section = critical.blocks[1];
    expect(section.type === 'section' && section.text?.text).toMatch(
      /^@devops-team <!here> <!subteam\^S0123ABCD> :red_circle: \*CRITICAL\*/,
    );
    expect(critical.text).toContain('<!here>');
    expect(slack().buildMessage(sampleNotification()).text).not.toContain('<!here>');
    const cleared = slack().buildMessage(
      sampleNotification({ severity: 'critical', status: 'resolved' }),
    );
    expect(cleared.text).not.toContain('<!here>');
    expect(cleared.text).toContain('RESOLVED');
  });

  it('maps mention syntax', () => {
    expect(slackMention('@channel')).toBe('<!channel>');
    expect(slackMention('<!subteam^S1|devops>')).toBe('<!subteam^S1|devops>');
    expect(slackMention('@platform-team')).toBe('@platform-team');
  });
});

describe('SlackIntegration delivery', () => {
  it('posts JSON to the webhook URL and reads 200 ok as delivered', async () => {
    const http = scriptedHttp({ status: 200, body: 'ok' });
    await expect(slack().deliver([sampleNotification()], http)).resolves.toEqual({
      result: 'delivered',
      status: 200,
    });
    expect(http.requests[0].url).toBe(WEBHOOK);
    expect(http.requests[0].method).toBe('POST');
    expect(http.requests[0].headers['content-type']).toMatch(/^application\/json/);
  });

  it.each([
    [400, 'invalid_payload'],
    [400, 'invalid_blocks'],
    [403, 'invalid_token'],
    [404, 'no_service'],
    [410, 'channel_is_archived'],
  ])('fails on %i %s without leaking the webhook token', async (status, body) => {
    const outcome = await slack().deliver([sampleNotification()], scriptedHttp({ status, body }));
    expect(outcome).toMatchObject({ result: 'failed', status });
    expect(outcome.result !== 'delivered' && outcome.reason).toContain(body);
    expect(JSON.stringify(outcome)).not.toContain('sEcReTtOkEn');
    expect(JSON.stringify(outcome)).toContain('hooks.slack.com');
  });

  it('retries 429 after Retry-After and 5xx', async () => {
    await expect(
      slack().deliver(
        [sampleNotification()],
        scriptedHttp({ status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' }),
      ),
    ).resolves.toMatchObject({ result: 'retry', status: 429, retryAfterMs: 30_000 });
    await expect(
      slack().deliver([sampleNotification()], scriptedHttp({ status: 500, body: 'rollup_error' })),
    ).resolves.toMatchObject({ result: 'retry', status: 500 });
  });

  it('turns a network error into a retry with the URL masked', async () => {
    const outcome = await slack().deliver([sampleNotification()], async () => {
      throw new Error(`connect ECONNREFUSED ${WEBHOOK}`);
    });
    expect(outcome.result).toBe('retry');
    expect(JSON.stringify(outcome)).not.toContain('sEcReTtOkEn');
  });

  it('sends several notifications one message each, stopping at the first failure', async () => {
    const http = scriptedHttp({ status: 200, body: 'ok' }, { status: 404, body: 'no_service' });
    const outcome = await slack().deliver(
      [sampleNotification(), sampleNotification(), sampleNotification()],
      http,
    );
    expect(outcome.result).toBe('failed');
    expect(http.requests).toHaveLength(2);
  });

  it('health: 400 no_text proves a live webhook; 404 no_service does not', async () => {
    const live = scriptedHttp({ status: 400, body: 'no_text' });
    await expect(slack().checkHealth(live)).resolves.toMatchObject({ healthy: true });
    expect(live.requests[0].body).toBe('{}');
    await expect(
      slack().checkHealth(scriptedHttp({ status: 404, body: 'no_service' })),
    ).resolves.toMatchObject({ healthy: false, detail: 'HTTP 404: no_service' });
  });
});

describe('parseSlackConfig', () => {
  it('names every bad field and never echoes the webhook URL', () => {
    let message = '';
    try {
      parseSlackConfig({
        webhook_url: 'not a url sEcReT',
        icon_emoji: 'gear',
        mention_groups: 'devops',
        colour: 'red',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid slack config: /);
    for (const field of ['webhook_url', 'icon_emoji', 'mention_groups', 'colour'])
      expect(message).toContain(field);
    expect(message).not.toContain('sEcReT');
  });

  it('requires webhook_url and defaults mention_groups', () => {
    expect(() => parseSlackConfig({})).toThrow(/webhook_url/);
    expect(parseSlackConfig({ webhook_url: WEBHOOK }).mention_groups).toEqual([]);
  });
});
