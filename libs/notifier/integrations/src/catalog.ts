import { DiscordIntegration } from './discord/discord.integration';
import { DISCORD_SECRET_FIELDS, parseDiscordConfig } from './discord/discord.config';
import { EMAIL_SECRET_FIELDS, parseEmailConfig } from './email/email.config';
import { EmailIntegration, type EmailTransport } from './email/email.integration';
import { GitHubIntegration } from './github/github.integration';
import { parseGitHubConfig, SECRET_FIELDS as GITHUB_SECRET_FIELDS } from './github/github.config';
import { GitLabIntegration } from './gitlab/gitlab.integration';
import { parseGitLabConfig, SECRET_FIELDS as GITLAB_SECRET_FIELDS } from './gitlab/gitlab.config';
import type { Integration } from './integration';
import { JenkinsIntegration } from './jenkins/jenkins.integration';
import {
  parseJenkinsConfig,
  SECRET_FIELDS as JENKINS_SECRET_FIELDS,
} from './jenkins/jenkins.config';
import { JiraIntegration } from './jira/jira.integration';
import { parseJiraConfig, SECRET_FIELDS as JIRA_SECRET_FIELDS } from './jira/jira.config';
import { NewRelicIntegration } from './newrelic/newrelic.integration';
import { NEWRELIC_SECRET_FIELDS, parseNewRelicConfig } from './newrelic/newrelic.config';
import { PagerDutyIntegration } from './pagerduty/pagerduty.integration';
import { PAGERDUTY_SECRET_FIELDS, parsePagerDutyConfig } from './pagerduty/pagerduty.config';
import { ServiceNowIntegration } from './servicenow/servicenow.integration';
import {
  parseServiceNowConfig,
  SECRET_FIELDS as SERVICENOW_SECRET_FIELDS,
} from './servicenow/servicenow.config';
import { SlackIntegration } from './slack/slack.integration';
import { parseSlackConfig, SLACK_SECRET_FIELDS } from './slack/slack.config';
import { SplunkIntegration } from './splunk/splunk.integration';
import { parseSplunkConfig, SPLUNK_SECRET_FIELDS } from './splunk/splunk.config';
import { TeamsIntegration } from './teams/teams.integration';
import { parseTeamsConfig, TEAMS_SECRET_FIELDS } from './teams/teams.config';
import { WebhookIntegration } from './webhook/webhook.integration';
import { parseWebhookConfig, WEBHOOK_SECRET_FIELDS } from './webhook/webhook.config';
import { ZendeskIntegration } from './zendesk/zendesk.integration';
import {
  parseZendeskConfig,
  SECRET_FIELDS as ZENDESK_SECRET_FIELDS,
} from './zendesk/zendesk.config';

/** What an integration may need from its host besides its config. */
export interface IntegrationDeps {
  now?: () => number;
  /** Replaces the SMTP transport of e-mail integrations (tests, a shared pool). */
  emailTransport?: EmailTransport;
}

/**
 * One kind of integration the notifier can build: how to validate its config (throwing an error
 * that names every bad field, never a secret value), which top-level fields are secrets (kept
 * encrypted or as environment references, never echoed), and how to build it.
 */
export interface IntegrationKind<C extends object = object> {
  readonly type: string;
  readonly title: string;
  readonly secretFields: readonly string[];
  parse(plain: unknown): C;
  create(config: C, deps: IntegrationDeps): Integration;
}

/** Defines a kind with its config type checked against its factory. */
export function integrationKind<C extends object>(kind: IntegrationKind<C>): IntegrationKind {
  return kind;
}

/**
 * The integrations known by type name. The built-in products are registered by
 * `builtInIntegrations()`; a custom integration (the seed's custom connector) is one class plus
 * one `register` call.
 */
export class IntegrationCatalog {
  private readonly kinds = new Map<string, IntegrationKind>();

  register(kind: IntegrationKind): this {
    if (!/^[a-z][a-z0-9_-]*$/.test(kind.type)) {
      throw new Error(`integration type "${kind.type}" must be lower-case letters, digits, _ or -`);
    }
    if (this.kinds.has(kind.type))
      throw new Error(`integration type "${kind.type}" is already registered`);
    this.kinds.set(kind.type, kind);
    return this;
  }

  has(type: string): boolean {
    return this.kinds.has(type);
  }

  get(type: string): IntegrationKind {
    const kind = this.kinds.get(type);
    if (!kind) {
      throw new Error(
        `unknown integration type "${type}" (known: ${[...this.kinds.keys()].sort().join(', ')})`,
      );
    }
    return kind;
  }

  types(): IntegrationKind[] {
    return [...this.kinds.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  /** Validates a config and builds the integration; throws naming the bad fields. */
  build(type: string, plain: unknown, deps: IntegrationDeps = {}): Integration {
    const kind = this.get(type);
    return kind.create(kind.parse(plain), deps);
  }
}

/** A catalog holding every product integration of seed 004. */
export function builtInIntegrations(): IntegrationCatalog {
  return new IntegrationCatalog()
    .register(
      integrationKind({
        type: 'slack',
        title: 'Slack incoming webhook (Block Kit)',
        secretFields: SLACK_SECRET_FIELDS,
        parse: parseSlackConfig,
        create: (c) => new SlackIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'discord',
        title: 'Discord webhook embeds',
        secretFields: DISCORD_SECRET_FIELDS,
        parse: parseDiscordConfig,
        create: (c) => new DiscordIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'teams',
        title: 'Microsoft Teams Adaptive Card webhook',
        secretFields: TEAMS_SECRET_FIELDS,
        parse: parseTeamsConfig,
        create: (c) => new TeamsIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'email',
        title: 'E-mail over SMTP (HTML + text, digests)',
        secretFields: EMAIL_SECRET_FIELDS,
        parse: parseEmailConfig,
        create: (c, deps) => new EmailIntegration(c, deps.emailTransport),
      }),
    )
    .register(
      integrationKind({
        type: 'zendesk',
        title: 'Zendesk tickets',
        secretFields: ZENDESK_SECRET_FIELDS,
        parse: parseZendeskConfig,
        create: (c) => new ZendeskIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'jira',
        title: 'Jira issues',
        secretFields: JIRA_SECRET_FIELDS,
        parse: parseJiraConfig,
        create: (c) => new JiraIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'servicenow',
        title: 'ServiceNow incidents (Table API)',
        secretFields: SERVICENOW_SECRET_FIELDS,
        parse: parseServiceNowConfig,
        create: (c) => new ServiceNowIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'pagerduty',
        title: 'PagerDuty Events API v2',
        secretFields: PAGERDUTY_SECRET_FIELDS,
        parse: parsePagerDutyConfig,
        create: (c) => new PagerDutyIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'newrelic',
        title: 'New Relic custom events (US/EU)',
        secretFields: NEWRELIC_SECRET_FIELDS,
        parse: parseNewRelicConfig,
        create: (c) => new NewRelicIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'splunk',
        title: 'Splunk HTTP Event Collector',
        secretFields: SPLUNK_SECRET_FIELDS,
        parse: parseSplunkConfig,
        create: (c) => new SplunkIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'jenkins',
        title: 'Jenkins parameterised builds',
        secretFields: JENKINS_SECRET_FIELDS,
        parse: parseJenkinsConfig,
        create: (c) => new JenkinsIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'github',
        title: 'GitHub issues and workflow_dispatch',
        secretFields: GITHUB_SECRET_FIELDS,
        parse: parseGitHubConfig,
        create: (c, deps) => new GitHubIntegration(c, deps.now),
      }),
    )
    .register(
      integrationKind({
        type: 'gitlab',
        title: 'GitLab issues and pipeline triggers',
        secretFields: GITLAB_SECRET_FIELDS,
        parse: parseGitLabConfig,
        create: (c) => new GitLabIntegration(c),
      }),
    )
    .register(
      integrationKind({
        type: 'webhook',
        title: 'Outbound webhook signed per Standard Webhooks',
        secretFields: WEBHOOK_SECRET_FIELDS,
        parse: parseWebhookConfig,
        create: (c, deps) => new WebhookIntegration(c, deps.now),
      }),
    );
}
