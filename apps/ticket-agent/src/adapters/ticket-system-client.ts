import { OAuthSession, type OAuthGrants } from './oauth-session';
import { retryPolicyOf, type TicketHttpSettings } from './ticket-adapter.config';
import {
  TicketHttpClient,
  systemTicketClock,
  type TicketAdapterDeps,
  type TicketAdapterLogger,
  type TicketAuth,
} from './ticket-http-client';

/** How an adapter signs in to its ticket system. */
export type TicketCredentials =
  | { kind: 'basic'; user: string | undefined; password: string | undefined }
  | { kind: 'oauth'; refreshToken: string | undefined; grants: OAuthGrants };

export interface TicketSystemClientOptions {
  /** Names the ticket system in errors: "jira", "servicenow"... */
  system: string;
  settings: TicketHttpSettings;
  credentials: TicketCredentials;
  /** Configured secrets (passwords, tokens, client secrets) to redact; absent ones are skipped. */
  secrets: readonly (string | undefined)[];
  deps: TicketAdapterDeps;
  logger: TicketAdapterLogger;
}

/**
 * The HTTP client an adapter talks to its ticket system through, authorised by basic auth or by
 * an OAuth session whose token requests go through the same client.
 */
export function ticketSystemClient(options: TicketSystemClientOptions): TicketHttpClient {
  const { deps, credentials } = options;
  const clock = deps.clock ?? systemTicketClock;
  const secrets = options.secrets.filter((s): s is string => s !== undefined);
  let auth: TicketAuth;
  if (credentials.kind === 'basic') {
    const header = `Basic ${Buffer.from(`${credentials.user ?? ''}:${credentials.password ?? ''}`).toString('base64')}`;
    // The encoded pair reveals the password as surely as the password itself.
    secrets.push(header.slice(6));
    auth = { authorization: () => Promise.resolve(header), secrets: () => [] };
  } else {
    auth = new OAuthSession({
      http: () => http,
      clock,
      refreshToken: credentials.refreshToken,
      onRefreshToken: deps.onRefreshToken,
      grants: credentials.grants,
    });
  }
  const http = new TicketHttpClient({
    system: options.system,
    retry: retryPolicyOf(options.settings),
    auth,
    clock,
    logger: options.logger,
    random: deps.random,
    secrets,
  });
  return http;
}
