import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { TicketAgentConfig } from './ticket-agent.config';

/** Start-up problem with the adapter settings file; names the variable and the file, never values. */
export class TicketSystemSettingsError extends Error {
  override name = 'TicketSystemSettingsError';
}

/** Reads TICKET_SYSTEM_CONFIG (YAML, or JSON which is YAML too); an empty object when unset. */
export async function readTicketSystemSettingsFile(
  config: TicketAgentConfig,
): Promise<Record<string, unknown>> {
  const path = config.TICKET_SYSTEM_CONFIG;
  if (path === undefined) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new TicketSystemSettingsError(`TICKET_SYSTEM_CONFIG: cannot read ${path} (${code})`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new TicketSystemSettingsError(
      `TICKET_SYSTEM_CONFIG: ${path} is not valid YAML/JSON${line === undefined ? '' : ` (line ${line})`}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TicketSystemSettingsError(
      `TICKET_SYSTEM_CONFIG: ${path} must hold a mapping of settings`,
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * The adapter config object (`createTicketSystemAdapter`'s input) from the seed's variables and
 * the optional settings file: the file gives structure, the environment gives the ticket system's
 * address and credentials, so secrets can stay out of files.
 */
export function ticketSystemAdapterSettings(
  config: TicketAgentConfig,
  file: Record<string, unknown> = {},
): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    ...file,
    type: config.TICKET_SYSTEM,
    baseUrl: config.URL,
  };
  switch (config.TICKET_SYSTEM) {
    case 'jira':
      if (config.EMAIL !== undefined) settings.email = config.EMAIL;
      if (config.PASSWORD !== undefined) settings.apiToken = config.PASSWORD;
      break;
    case 'servicenow':
    case 'rest':
      if (config.EMAIL !== undefined) settings.username = config.EMAIL;
      if (config.PASSWORD !== undefined) settings.password = config.PASSWORD;
      if (
        config.TICKET_SYSTEM === 'rest' &&
        config.EMAIL !== undefined &&
        file.auth === undefined
      ) {
        settings.auth = 'basic';
      }
      break;
  }
  return settings;
}
