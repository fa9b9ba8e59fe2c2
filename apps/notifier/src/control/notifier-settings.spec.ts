import { RoutingConfigError } from '@telcomesh/notifier-routing';
import { approvalRuleFor, parseApprovalPolicy } from '../approvals/approval-policy';
import {
  applySettingsDocument,
  DEFAULT_SETTINGS,
  groupingFor,
  parseSettingsDocument,
} from './notifier-settings';
import { withPlatformWebhook } from './config-as-code';

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof RoutingConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a RoutingConfigError');
};

describe('notifier settings documents', () => {
  it('reads the seed approval workflow and finds the rule guarding a key', () => {
    const policy = parseApprovalPolicy({
      required_approvals: {
        '*.database.*': {
          approvers: ['platform-team@company.com', 'dba-team@company.com'],
          min_approvals: 2,
          timeout: 3600,
        },
        '*.security.*': {
          approvers: ['security-team@company.com'],
          min_approvals: 1,
          timeout: 1800,
        },
      },
      approval_methods: ['email', 'slack', 'jira'],
    });
    expect(policy.methods).toEqual(['email', 'slack', 'jira']);
    expect(approvalRuleFor(policy, 'app.database.host')).toMatchObject({
      minApprovals: 2,
      timeoutMs: 3_600_000,
    });
    expect(approvalRuleFor(policy, 'app.security.tls')).toMatchObject({
      approvers: ['security-team@company.com'],
    });
    expect(approvalRuleFor(policy, 'app.cache.size')).toBeUndefined();
  });

  it('names every bad approval field, including more approvals than approvers', () => {
    expect(
      problemsOf(() =>
        parseApprovalPolicy({
          required_approvals: {
            'integrations.*': { approvers: ['a@x'], min_approvals: 2, timeout: 0 },
          },
          approval_method: [],
        }),
      ),
    ).toEqual([
      'approval_method: property approval_method should not exist',
      'required_approvals.integrations.*.timeout: timeout must not be less than 1',
    ]);
    expect(
      problemsOf(() =>
        parseApprovalPolicy({
          required_approvals: { 'a.*': { approvers: ['a@x'], min_approvals: 2, timeout: 60 } },
        }),
      ),
    ).toEqual(['required_approvals.a.*.min_approvals: 2 exceeds the 1 distinct approvers']);
  });

  it('keeps grouping per rule with a * default, and the seed batching keys', () => {
    const settings = { ...DEFAULT_SETTINGS };
    applySettingsDocument(settings, 'grouping', {
      site_alarms: { group_by: ['site'], group_wait: '10s' },
      '*': { group_by: ['kind'] },
    });
    expect(groupingFor(settings, 'site_alarms')).toMatchObject({
      groupBy: ['site'],
      groupWaitMs: 10_000,
    });
    expect(groupingFor(settings, 'other')).toMatchObject({ groupBy: ['kind'] });
    applySettingsDocument(settings, 'batching', {
      batch_size: 10,
      batch_timeout: 30,
      max_retries: 3,
    });
    expect(settings.batching).toMatchObject({
      batchSize: 10,
      batchTimeoutMs: 30_000,
      policy: { maxRetries: 3 },
    });
    expect(
      problemsOf(() => parseSettingsDocument('grouping', { site_alarms: { group_wait: 'soon' } })),
    ).toEqual([
      'site_alarms.group_wait: must be a duration such as 30s, 5m, 4h or a number of milliseconds (got "soon")',
    ]);
    expect(
      problemsOf(() => parseSettingsDocument('batching', { max_retries: -1, batchsize: 1 })),
    ).toEqual([
      'batchsize: property batchsize should not exist',
      'max_retries: max_retries must not be less than 0',
    ]);
  });

  it('turns NOTIFIER_WEBHOOK_URL into an integration and a catch-all trigger, keeping the file triggers', () => {
    const config = withPlatformWebhook(
      {
        integrations: {
          notifications: {
            triggers: { db: { patterns: ['*.database.*'], connectors: ['slack'] } },
          },
        },
        silences: [],
      },
      { NOTIFIER_WEBHOOK_URL: 'http://127.0.0.1:8090/hooks' },
    );
    expect(config.integrations['platform-webhook']).toEqual({
      type: 'webhook',
      url: '${env:NOTIFIER_WEBHOOK_URL}',
    });
    expect(
      Object.keys((config.integrations.notifications as { triggers: object }).triggers),
    ).toEqual(['db', 'platform-webhook']);
    expect(withPlatformWebhook({ integrations: {}, silences: [] }, {})).toEqual({
      integrations: {},
      silences: [],
    });
  });
});
