import { discordMessageError } from '@telcomesh/testing';
import { sampleNotification, scriptedHttp } from '../webhook/notification.fixture';
import { parseDiscordConfig } from './discord.config';
import {
  DISCORD_COLORS,
  DISCORD_LIMITS,
  DiscordIntegration,
  discordMentions,
  embedTextLength,
} from './discord.integration';

const DEFAULT = 'https://discord.com/api/webhooks/111/defaultTOKEN';
const DB = 'https://discord.com/api/webhooks/222/dbTOKEN';
const SEC = 'https://discord.com/api/webhooks/333/secTOKEN?thread_id=99';

function discord(extra: Record<string, unknown> = {}) {
  return new DiscordIntegration(
    parseDiscordConfig({
      webhook_url: DEFAULT,
      username: 'APG Config Bot',
      avatar_url: 'https://example.com/bot-avatar.png',
      mention_users: ['@admin', '<@80351110224678912>', '<@&165511591545143296>'],
      critical_patterns: ['*.database.*', '*.security.*'],
      channels: { database: DB, security: SEC },
      ...extra,
    }),
  );
}

describe('DiscordIntegration payload', () => {
  it('builds one embed with colour, fields, timestamp and footer', () => {
    const message = discord().buildMessage(sampleNotification({ subject: 'app.cache.ttl' }));
    expect(message.username).toBe('APG Config Bot');
    expect(message.avatar_url).toBe('https://example.com/bot-avatar.png');
    expect(message.content).toBeUndefined();
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(message.embeds).toHaveLength(1);
    const [embed] = message.embeds;
    expect(embed).toMatchObject({
      title: 'Configuration Changed',
      description: 'app.database.host changed from localhost to prod-db.internal',
      color: DISCORD_COLORS.major,
      timestamp: '2025-01-01T14:30:00.000Z',
      url: 'https://telcomesh.example.com/config/app.database.host',
      footer: { text: 'TelcoMesh · config_change · app.cache.ttl · company · site-001' },
    });
    expect(embed.fields[1]).toEqual({ name: 'Old Value', value: 'localhost', inline: true });
    expect(discordMessageError(message)).toBeUndefined();
  });

  it('colours by severity and green when resolved', () => {
    const colour = (n: Parameters<DiscordIntegration['buildEmbed']>[0]) =>
      discord().buildEmbed(n).color;
    expect(colour(sampleNotification({ severity: 'critical' }))).toBe(0xe01e5a);
    expect(colour(sampleNotification({ severity: 'info' }))).toBe(0x3498db);
    expect(colour(sampleNotification({ status: 'resolved' }))).toBe(0x2eb67d);
  });

  it('mentions mention_users only when the subject matches critical_patterns', () => {
    const critical = discord().buildMessage(sampleNotification({ subject: 'app.database.host' }));
    expect(critical.content).toBe('@admin <@80351110224678912> <@&165511591545143296>');
    expect(critical.allowed_mentions).toEqual({
      parse: [],
      users: ['80351110224678912'],
      roles: ['165511591545143296'],
    });
    for (const subject of ['app.cache.ttl', 'a.b.database.host', 'database']) {
      expect(discord().buildMessage(sampleNotification({ subject })).content).toBeUndefined();
    }
    const cleared = discord().buildMessage(
      sampleNotification({ subject: 'app.security.tls', status: 'resolved' }),
    );
    expect(cleared.content).toBeUndefined();
  });

  it('maps mention syntax', () => {
    expect(discordMentions(['@everyone', '80351110224678912', '<@!1234567890123456>'])).toEqual({
      text: '@everyone <@80351110224678912> <@1234567890123456>',
      allowed: { parse: ['everyone'], users: ['80351110224678912', '1234567890123456'] },
    });
  });

  it('routes by subject segment to the channel webhook, else the default, with wait=true', () => {
    const d = discord();
    expect(d.route('app.database.host')).toEqual({ channel: 'database', url: DB });
    expect(d.route('app.security.tls').channel).toBe('security');
    expect(d.route('app.databases.host')).toEqual({ channel: 'default', url: DEFAULT });
    expect(d.route('app.cache.ttl').channel).toBe('default');
    expect(d.buildRequest(sampleNotification()).url).toBe(`${DB}?wait=true`);
    expect(d.buildRequest(sampleNotification({ subject: 'app.security.tls' })).url).toBe(
      'https://discord.com/api/webhooks/333/secTOKEN?thread_id=99&wait=true',
    );
    expect(d.buildRequest(sampleNotification({ subject: 'x.y' })).url).toBe(`${DEFAULT}?wait=true`);
  });

  it.each([
    ['huge fields', 'x'.repeat(200), 'y'.repeat(100), 60, 'z'.repeat(3000)],
    ['huge summary', 'x'.repeat(1000), 'y'.repeat(20_000), 10, 'z'.repeat(50)],
    ['huge everything', 'x'.repeat(1000), 'y'.repeat(20_000), 40, 'z'.repeat(5000)],
  ])('keeps every embed limit with %s', (_case, title, summary, count, value) => {
    const embed = discord().buildEmbed(
      sampleNotification({
        title,
        summary,
        subject: `a.${'s'.repeat(3000)}`,
        fields: Array.from({ length: count }, (_, i) => ({ name: `n${i}`.repeat(200), value })),
      }),
    );
    const L = DISCORD_LIMITS;
    expect(embed.title.length).toBeLessThanOrEqual(L.title);
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(L.description);
    expect(embed.fields.length).toBeLessThanOrEqual(L.fields);
    for (const f of embed.fields) {
      expect(f.name.length).toBeLessThanOrEqual(L.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(L.fieldValue);
    }
    expect(embed.footer.text.length).toBeLessThanOrEqual(L.footerText);
    expect(embedTextLength(embed)).toBeLessThanOrEqual(L.embedTotal);
    expect(embed.fields.at(-1)?.value).toMatch(/more fields$/);
    expect(discordMessageError({ embeds: [embed] })).toBeUndefined();
  });

  it('keeps 25 fields when they fit, and empty values valid', () => {
    const embed = discord().buildEmbed(
      sampleNotification({
        fields: Array.from({ length: 25 }, (_, i) => ({ name: `k${i}`, value: i ? 'v' : ' ' })),
      }),
    );
    expect(embed.fields).toHaveLength(25);
    expect(embed.fields[24].name).toBe('k24');
    expect(discordMessageError({ embeds: [embed] })).toBeUndefined();
  });
});

describe('DiscordIntegration delivery', () => {
  it('reads 200 (wait=true) as delivered with the message id, 204 as delivered', async () => {
    const http = scriptedHttp({ status: 200, body: '{"id":"1300000000000000123"}' });
    await expect(discord().deliver([sampleNotification()], http)).resolves.toEqual({
      result: 'delivered',
      status: 200,
      reference: '1300000000000000123',
    });
    expect(http.requests[0].method).toBe('POST');
    expect(JSON.parse(http.requests[0].body ?? '')).toHaveProperty('embeds');
    await expect(
      discord().deliver([sampleNotification()], scriptedHttp({ status: 204 })),
    ).resolves.toEqual({ result: 'delivered', status: 204 });
  });

  it('honours retry_after seconds (float) from the 429 body over the header', async () => {
    const outcome = await discord().deliver(
      [sampleNotification()],
      scriptedHttp({
        status: 429,
        headers: { 'retry-after': '1' },
        body: '{"message":"You are being rate limited.","retry_after":0.529,"global":false}',
      }),
    );
    expect(outcome).toMatchObject({ result: 'retry', status: 429, retryAfterMs: 529 });
    await expect(
      discord().deliver(
        [sampleNotification()],
        scriptedHttp({ status: 429, headers: { 'retry-after': '3' }, body: 'slow down' }),
      ),
    ).resolves.toMatchObject({ retryAfterMs: 3000 });
  });

  it.each([
    [400, '{"embeds":["0"]}'],
    [401, '{"message":"Invalid Webhook Token","code":50027}'],
    [404, '{"message":"Unknown Webhook","code":10015}'],
  ])('fails on %i naming the channel, never the token', async (status, body) => {
    const outcome = await discord().deliver([sampleNotification()], scriptedHttp({ status, body }));
    expect(outcome).toMatchObject({ result: 'failed', status });
    expect(JSON.stringify(outcome)).toContain('discord channel database');
    expect(JSON.stringify(outcome)).not.toMatch(/TOKEN/);
  });

  it('retries 5xx and network errors without leaking the URL', async () => {
    await expect(
      discord().deliver([sampleNotification()], scriptedHttp({ status: 502 })),
    ).resolves.toMatchObject({ result: 'retry', status: 502 });
    const outcome = await discord().deliver([sampleNotification()], async (r) => {
      throw new Error(`fetch failed for ${r.url}`);
    });
    expect(outcome.result).toBe('retry');
    expect(JSON.stringify(outcome)).not.toMatch(/TOKEN/);
  });

  it('health GETs every webhook and names the broken channel', async () => {
    const ok = scriptedHttp({ status: 200, body: '{"id":"1"}' });
    await expect(discord().checkHealth(ok)).resolves.toMatchObject({ healthy: true });
    expect(ok.requests.map((r) => [r.method, r.url])).toEqual([
      ['GET', DEFAULT],
      ['GET', DB],
      ['GET', SEC],
    ]);
    const broken = scriptedHttp(
      { status: 200 },
      { status: 401, body: '{"message":"Invalid Webhook Token","code":50027}' },
      { status: 200 },
    );
    const health = await discord().checkHealth(broken);
    expect(health.healthy).toBe(false);
    expect(health.detail).toMatch(/^database: HTTP 401/);
    expect(health.detail).not.toMatch(/TOKEN/);
  });
});

describe('parseDiscordConfig', () => {
  it('names every bad field without echoing secrets', () => {
    let message = '';
    try {
      parseDiscordConfig({
        webhook_url: 'ftp://secretTOKEN',
        username: 'Discord Bot',
        avatar_url: 'nope',
        mention_users: [1],
        critical_patterns: '*.database.*',
        channels: { database: 'not-a-url-TOKEN' },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'webhook_url',
      'username',
      'avatar_url',
      'mention_users',
      'critical_patterns',
      'channels',
    ])
      expect(message).toContain(field);
    expect(message).not.toMatch(/TOKEN/);
  });

  it('defaults the optional lists and map', () => {
    const config = parseDiscordConfig({ webhook_url: DEFAULT });
    expect(config.channels).toEqual({});
    expect(config.mention_users).toEqual([]);
    expect(config.critical_patterns).toEqual([]);
  });
});
