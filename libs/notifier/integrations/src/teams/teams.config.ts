import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IsHttpUrl, parseIntegrationConfig } from '../webhook/integration-support';

/**
 * Microsoft Teams (`integrations.teams`): a Workflows "When a Teams webhook request is received"
 * trigger URL (`https://….logic.azure.com/workflows/…/invoke?…&sig=…`, or the newer
 * `….powerplatform.com` form), or a legacy Office 365 connector URL (`….webhook.office.com/…`).
 * Either way the URL itself is the credential.
 */
export class TeamsConfig {
  @IsHttpUrl('the Teams Workflows or incoming webhook URL')
  webhook_url!: string;

  /** Label of the card's link button. */
  @IsOptional()
  @IsString()
  @MaxLength(40)
  link_title = 'Open in TelcoMesh';
}

/** Fields whose values are credentials: never logged, echoed in errors or returned by APIs. */
export const TEAMS_SECRET_FIELDS = ['webhook_url'] as const;

export function parseTeamsConfig(plain: unknown): TeamsConfig {
  return parseIntegrationConfig('teams', TeamsConfig, plain, TEAMS_SECRET_FIELDS);
}
