import { readFileSync } from 'node:fs';
import { ConfigValidationError } from '@telcomesh/config';
import { ID_PATTERN } from '@telcomesh/ticket-agent-protocol';
import type { TicketSlaConfig } from '../ticket-sla.config';

/** Shortest agent secret accepted; the agent refuses shorter ones too. */
export const MIN_AGENT_KEY_CHARS = 16;

/**
 * The secrets of the agents allowed to connect, by agent id. Held in memory only: the database
 * keeps agents' ids, state and revocation, never a secret.
 */
export class AgentCredentials {
  private constructor(private readonly secrets: ReadonlyMap<string, string>) {}

  static of(entries: Iterable<readonly [string, string]>): AgentCredentials {
    return new AgentCredentials(new Map(entries));
  }

  secretOf(agentId: string): string | undefined {
    return this.secrets.get(agentId);
  }

  ids(): string[] {
    return [...this.secrets.keys()].sort();
  }

  get size(): number {
    return this.secrets.size;
  }

  /** Never the secrets, whatever prints it. */
  toJSON(): { agents: string[] } {
    return { agents: this.ids() };
  }
}

type FileReader = (path: string) => string;

const readText: FileReader = (path) => readFileSync(path, 'utf8');

/**
 * The agent credentials the configuration names: the seed's TOKEN + KEY (one agent), then
 * TICKET_SLA_AGENTS (`id:key,id2:key2`) and TICKET_SLA_AGENTS_FILE (one `id:key` a line).
 * Throws one ConfigValidationError listing every problem by variable (and line); a key's value
 * never appears in it.
 */
export function agentCredentialsOf(
  config: Pick<TicketSlaConfig, 'TOKEN' | 'KEY' | 'TICKET_SLA_AGENTS' | 'TICKET_SLA_AGENTS_FILE'>,
  readFile: FileReader = readText,
): AgentCredentials {
  const problems: string[] = [];
  const secrets = new Map<string, string>();
  const where = new Map<string, string>();
  const add = (id: string, key: string, origin: string) => {
    let ok = true;
    if (!ID_PATTERN.test(id)) {
      problems.push(
        `${origin}: agent id must be 1-128 of A-Z a-z 0-9 . _ : - (got "${id.slice(0, 40)}")`,
      );
      ok = false;
    }
    if (key.length < MIN_AGENT_KEY_CHARS) {
      problems.push(
        `${origin}: key of agent "${id.slice(0, 40)}" must be at least ${MIN_AGENT_KEY_CHARS} characters (value redacted)`,
      );
      ok = false;
    }
    const earlier = where.get(id);
    if (earlier !== undefined) {
      problems.push(`${origin}: agent "${id}" is already defined by ${earlier}`);
      ok = false;
    }
    if (ok) {
      secrets.set(id, key);
      where.set(id, origin);
    }
  };

  const token = config.TOKEN;
  const key = config.KEY;
  if (token !== undefined && key === undefined) {
    problems.push(
      'KEY: is required with TOKEN (the agent id and its secret go together) (missing)',
    );
  } else if (token === undefined && key !== undefined) {
    problems.push(
      'TOKEN: is required with KEY (the agent id and its secret go together) (missing)',
    );
  } else if (token !== undefined && key !== undefined) {
    add(token, key, 'TOKEN/KEY');
  }

  const parseList = (entries: { text: string; origin: string }[]) => {
    for (const { text, origin } of entries) {
      const colon = text.indexOf(':');
      if (colon <= 0 || colon === text.length - 1) {
        problems.push(`${origin}: expected id:key (value redacted)`);
        continue;
      }
      add(text.slice(0, colon).trim(), text.slice(colon + 1).trim(), origin);
    }
  };

  if (config.TICKET_SLA_AGENTS !== undefined) {
    parseList(
      config.TICKET_SLA_AGENTS.split(',')
        .map((text, index) => ({
          text: text.trim(),
          origin: `TICKET_SLA_AGENTS entry ${index + 1}`,
        }))
        .filter((entry) => entry.text !== ''),
    );
  }

  const file = config.TICKET_SLA_AGENTS_FILE;
  if (file !== undefined) {
    let content: string | undefined;
    try {
      content = readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`TICKET_SLA_AGENTS_FILE: cannot read ${file} (${code})`);
    }
    if (content !== undefined) {
      parseList(
        content
          .split(/\r?\n/)
          .map((line, index) => ({
            text: line.trim(),
            origin: `TICKET_SLA_AGENTS_FILE line ${index + 1}`,
          }))
          .filter((entry) => entry.text !== '' && !entry.text.startsWith('#')),
      );
    }
  }

  if (problems.length > 0) throw new ConfigValidationError('ticket-sla', problems);
  return AgentCredentials.of(secrets);
}
