import { ConfigValidationError } from '@telcomesh/config';
import { loadTicketAgentConfig } from './ticket-agent.config';

const valid = {
  TICKET_SYSTEM: 'jira',
  EMAIL: 'noc-bot@example.test',
  PASSWORD: 'jira-api-token-value',
  URL: 'https://jira.example.test',
  TOKEN: 'agent-msk-1',
  KEY: 'sixteen-chars-or-more-secret',
  SERVER: 'wss://ticket-sla.example.test/agents',
};

function problemsOf(env: Record<string, string | undefined>): string {
  try {
    loadTicketAgentConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadTicketAgentConfig', () => {
  it('reads a valid environment with defaults', () => {
    const config = loadTicketAgentConfig({ ...valid, SERVER: 'ws://127.0.0.1:8090' });
    expect(config.TICKET_SYSTEM).toBe('jira');
    expect(config.SERVER).toBe('ws://127.0.0.1:8090');
    expect(config.OUTBOX_DIR).toBe('.data/ticket-agent/outbox');
    expect(config.OUTBOX_MAX_BYTES).toBe(256 * 1024 * 1024);
    expect(config.LOG_LEVEL).toBe('info');
    expect(loadTicketAgentConfig({ ...valid, OUTBOX_MAX_BYTES: '8388608' }).OUTBOX_MAX_BYTES).toBe(
      8388608,
    );
  });

  it('names every missing variable at once', () => {
    const message = problemsOf({});
    for (const name of ['TICKET_SYSTEM', 'EMAIL', 'PASSWORD', 'URL', 'TOKEN', 'KEY', 'SERVER']) {
      expect(message).toMatch(new RegExp(`  - ${name}: .*\\(missing\\)`));
    }
  });

  it('names the wrong variable and says what is wrong', () => {
    expect(problemsOf({ ...valid, SERVER: 'http://ticket-sla:8090' })).toContain(
      'SERVER: SERVER must be a ws:// or wss:// URL (got "http://ticket-sla:8090")',
    );
    expect(problemsOf({ ...valid, TICKET_SYSTEM: 'remedy' })).toContain(
      'TICKET_SYSTEM: TICKET_SYSTEM must be one of jira, servicenow, rest (got "remedy")',
    );
    expect(problemsOf({ ...valid, OUTBOX_MAX_BYTES: '1000' })).toContain(
      'OUTBOX_MAX_BYTES: OUTBOX_MAX_BYTES must be at least 4194304',
    );
    expect(problemsOf({ ...valid, TOKEN: 'agent one' })).toContain(
      'TOKEN: TOKEN (agent id) must be',
    );
  });

  it('never quotes KEY or PASSWORD, nor credentials inside URLs', () => {
    const message = problemsOf({
      ...valid,
      KEY: 'short-key',
      PASSWORD: undefined,
      URL: 'ftp://admin:hunter2@jira.example.test',
    });
    expect(message).toContain('KEY: KEY must be at least 16 characters (value redacted)');
    expect(message).not.toContain('short-key');
    expect(message).toContain('URL: URL must be an http(s) URL');
    expect(message).not.toContain('hunter2');
  });

  it('lets a rest ticket system go without EMAIL and PASSWORD', () => {
    const config = loadTicketAgentConfig({
      ...valid,
      TICKET_SYSTEM: 'rest',
      EMAIL: '',
      PASSWORD: undefined,
    });
    expect(config.EMAIL).toBeUndefined();
    expect(problemsOf({ ...valid, TICKET_SYSTEM: 'servicenow', EMAIL: '' })).toContain('EMAIL: ');
  });
});
