import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError } from '@telcomesh/config';
import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import { startTicketAgent, type RunningTicketAgent } from './main';
import { TestAgentHub } from './testing/test-agent-hub';
import type { TicketSystemAdapter } from './ticket-system-adapter';

const KEY = 'agent-key-never-logged-0123456789';
const PASSWORD = 'ticket-system-password-never-logged';

const ticket: AgentTicket = {
  key: 'NOC-1',
  system: 'jira',
  externalId: '1',
  title: 'BTS down',
  status: 'Open',
  priority: 'P1',
  category: null,
  customer: null,
  assignmentGroup: 'NOC',
  assignee: null,
  createdAt: '2024-05-01T09:00:00Z',
  updatedAt: '2024-05-01T09:00:00Z',
  resolvedAt: null,
  url: null,
  history: [],
};

const fakeJira: TicketSystemAdapter = {
  system: 'jira',
  async *search() {
    yield [ticket];
  },
  async fetch() {
    return [ticket];
  },
  async check() {
    throw new Error('Jira is down for maintenance');
  },
};

describe('startTicketAgent', () => {
  let dir: string;
  let hub: TestAgentHub;
  let env: Record<string, string>;
  let lines: string[];
  let running: RunningTicketAgent | undefined;
  const destination = { write: (line: string) => void lines.push(line) };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ticket-agent-main-'));
    hub = new TestAgentHub({ 'agent-1': KEY });
    lines = [];
    env = {
      TICKET_SYSTEM: 'jira',
      EMAIL: 'noc-bot@example.test',
      PASSWORD,
      URL: 'https://jira.example.test',
      TOKEN: 'agent-1',
      KEY,
      SERVER: await hub.start(),
      OUTBOX_DIR: join(dir, 'outbox'),
      LOG_LEVEL: 'debug',
    };
  });

  afterEach(async () => {
    await running?.close();
    running = undefined;
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts from the environment, serves a task and never logs a secret', async () => {
    running = await startTicketAgent(env, () => fakeJira, { logDestination: destination });
    await once(running.client, 'authenticated');
    hub.send(hub.latest(), {
      v: 1,
      type: 'task',
      taskId: 't-1',
      system: 'jira',
      kind: 'fetch',
      keys: ['NOC-1'],
      deadline: new Date(Date.now() + 60_000).toISOString(),
    });
    await once(running.client, 'acked');
    expect(hub.results().map((r) => r.message.tickets)).toEqual([[ticket]]);

    const logged = lines.map((line) => JSON.parse(line) as { msg: string; level: string });
    expect(logged.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'ticket system check failed at start-up',
        'ticket agent started',
        'authenticated with server',
        'task done',
      ]),
    );
    expect(logged.every((l) => typeof l.level === 'string')).toBe(true);
    const all = lines.join('\n');
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(PASSWORD);
  });

  it('refuses to start on a bad environment, naming the variables', async () => {
    const error = await startTicketAgent(
      { ...env, SERVER: 'http://nope', KEY: 'short' },
      () => fakeJira,
      { logDestination: destination },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as Error).message).toContain('SERVER: SERVER must be a ws:// or wss:// URL');
    expect((error as Error).message).toContain(
      'KEY: KEY must be at least 16 characters (value redacted)',
    );
  });

  it('builds the configured adapter from the seed variables and the settings file', async () => {
    const settings = join(dir, 'jira.yaml');
    // One quick attempt: the check runs against a closed port and fails fast.
    await writeFile(settings, 'assignmentGroupField: customfield_10077\nmaxAttempts: 1\n');
    const url = 'http://127.0.0.1:9/jira';
    running = await startTicketAgent(
      { ...env, URL: url, TICKET_SYSTEM_CONFIG: settings },
      undefined,
      {
        logDestination: destination,
      },
    );
    expect(running.adapter.system).toBe('jira');
    await once(running.client, 'authenticated');
    await running.close();
    running = undefined;
    const checkLine = lines
      .map((line) => JSON.parse(line) as { msg: string; url?: string; reason?: string })
      .find((l) => l.msg === 'ticket system check failed at start-up');
    expect(checkLine?.url).toBe(url);
  });

  it('says which file is wrong when the settings file cannot be used', async () => {
    const missing = join(dir, 'missing.yaml');
    await expect(
      startTicketAgent({ ...env, TICKET_SYSTEM_CONFIG: missing }, undefined, {
        logDestination: destination,
      }),
    ).rejects.toThrow(`TICKET_SYSTEM_CONFIG: cannot read ${missing} (ENOENT)`);
    const list = join(dir, 'list.yaml');
    await writeFile(list, '- a\n- b\n');
    await expect(
      startTicketAgent({ ...env, TICKET_SYSTEM_CONFIG: list }, undefined, {
        logDestination: destination,
      }),
    ).rejects.toThrow(`TICKET_SYSTEM_CONFIG: ${list} must hold a mapping of settings`);
  });
});
