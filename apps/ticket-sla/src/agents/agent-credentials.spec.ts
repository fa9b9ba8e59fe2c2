import { ConfigValidationError } from '@telcomesh/config';
import { agentCredentialsOf } from './agent-credentials';

const KEY_A = 'secret-key-of-agent-a-0001';
const KEY_B = 'secret-key-of-agent-b-0002';

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('agentCredentialsOf', () => {
  it('reads the seed TOKEN/KEY, the inline list and the file', () => {
    const credentials = agentCredentialsOf(
      {
        TOKEN: 'seed-agent',
        KEY: KEY_A,
        TICKET_SLA_AGENTS: 'msk-1:' + KEY_B + ', spb-1:' + KEY_A,
        TICKET_SLA_AGENTS_FILE: '/etc/agents',
      },
      (path) => {
        expect(path).toBe('/etc/agents');
        return `# agents of the regions\n\nnsk-1:${KEY_B}\n`;
      },
    );
    expect(credentials.ids()).toEqual(['msk-1', 'nsk-1', 'seed-agent', 'spb-1']);
    expect(credentials.secretOf('msk-1')).toBe(KEY_B);
    expect(credentials.secretOf('unknown')).toBeUndefined();
    expect(JSON.stringify(credentials)).not.toContain(KEY_A);
  });

  it('names every problem by variable and line without quoting a key', () => {
    const message = problemsOf(() =>
      agentCredentialsOf(
        {
          TOKEN: 'seed',
          TICKET_SLA_AGENTS: `ok:${KEY_A},short:tiny-key,no-colon-${KEY_B},bad id:${KEY_B}`,
          TICKET_SLA_AGENTS_FILE: 'f',
        },
        () => `ok:${KEY_B}\n`,
      ),
    );
    expect(message).toContain('KEY: is required with TOKEN');
    expect(message).toContain(
      'TICKET_SLA_AGENTS entry 2: key of agent "short" must be at least 16 characters',
    );
    expect(message).toContain('TICKET_SLA_AGENTS entry 3: expected id:key');
    expect(message).toContain('TICKET_SLA_AGENTS entry 4: agent id must be');
    expect(message).toContain(
      'TICKET_SLA_AGENTS_FILE line 1: agent "ok" is already defined by TICKET_SLA_AGENTS entry 1',
    );
    for (const secret of [KEY_A, KEY_B, 'tiny-key']) expect(message).not.toContain(secret);
  });

  it('reports an unreadable file by its code', () => {
    const message = problemsOf(() =>
      agentCredentialsOf({ TICKET_SLA_AGENTS_FILE: '/missing' }, () => {
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      }),
    );
    expect(message).toContain('TICKET_SLA_AGENTS_FILE: cannot read /missing (ENOENT)');
  });

  it('allows no agents at all', () => {
    expect(agentCredentialsOf({}).size).toBe(0);
  });
});
