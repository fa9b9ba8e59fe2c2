import { CallAlertSeverity } from '@telcomesh/contracts';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import { CallAlertRules } from './call-alert-rules';
import { AlertPolicyError, resolvePolicy, validateQueueAlertPolicy } from './queue-alert-policy';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof AlertPolicyError) return error.problems;
    throw error;
  }
  throw new Error('expected an AlertPolicyError');
}

describe('queue alert policies', () => {
  it('resolves the built-in defaults without problems', () => {
    const { policy, problems } = resolvePolicy(undefined, undefined);
    expect(problems).toEqual([]);
    expect(policy.longestWait).toEqual({
      enabled: true,
      severity: CallAlertSeverity.MAJOR,
      forMs: 0,
      threshold: 120,
      clearThreshold: 90,
    });
    expect(policy.serviceLevel).toMatchObject({ windowMs: 900_000, minCalls: 20, threshold: 80 });
    expect([...policy.agentStateDuration.keys()].sort()).toEqual([
      'on_call',
      'paused',
      'ringing',
      'wrap_up',
    ]);
    expect(policy.retentionMs).toBe(900_000);
  });

  it('merges defaults and a queue override field by field, the override winning', () => {
    const defaults = validateQueueAlertPolicy(
      { longest_wait: { threshold: 100, clear_threshold: 80, severity: 'minor', for_seconds: 5 } },
      'defaults',
    );
    const override = validateQueueAlertPolicy(
      { longest_wait: { severity: 'critical' }, service_level: { window_seconds: 1800 } },
      'queue',
    );
    const { policy, problems } = resolvePolicy(defaults, override);
    expect(problems).toEqual([]);
    expect(policy.longestWait).toEqual({
      enabled: true,
      severity: CallAlertSeverity.CRITICAL,
      forMs: 5000,
      threshold: 100,
      clearThreshold: 80,
    });
    expect(policy.serviceLevel.windowMs).toBe(1_800_000);
    expect(policy.serviceLevel.minCalls).toBe(20);
    expect(policy.retentionMs).toBe(1_800_000);
  });

  it('clears at the threshold given without a clear threshold at the same level', () => {
    const override = validateQueueAlertPolicy({ longest_wait: { threshold: 60 } }, 'queue');
    const { policy, problems } = resolvePolicy(undefined, override);
    expect(problems).toEqual([]);
    expect(policy.longestWait).toMatchObject({ threshold: 60, clearThreshold: 60 });
  });

  it('adds a duration rule for a state the defaults do not watch', () => {
    const override = validateQueueAlertPolicy(
      { agent_state_duration: { available: { threshold: 600, severity: 'minor' } } },
      'queue',
    );
    const { policy } = resolvePolicy(undefined, override);
    expect(policy.agentStateDuration.get('available')).toMatchObject({
      threshold: 600,
      severity: CallAlertSeverity.MINOR,
    });
  });

  it.each([
    [
      { longest_wait: { treshold: 5 } },
      'longest_wait.treshold: property treshold should not exist',
    ],
    [{ colour: 'red' }, 'colour: property colour should not exist'],
    [{ service_level: { threshold: 'high' } }, 'service_level.threshold:'],
    [{ abandonment_rate: { threshold: 150 } }, 'abandonment_rate.threshold:'],
    [{ waiting_calls: { threshold: 2.5 } }, 'waiting_calls.threshold:'],
    [{ service_level: { window_seconds: 10 } }, 'service_level.window_seconds:'],
    [{ longest_wait: { severity: 'urgent' } }, 'longest_wait.severity:'],
    [{ longest_wait: { for_seconds: -1 } }, 'longest_wait.for_seconds:'],
    [{ longest_wait: [{ threshold: 5 }] }, 'longest_wait:'],
    [{ longest_wait: 5 }, 'longest_wait:'],
    [{ agent_state_duration: { break: { threshold: 60 } } }, 'agent_state_duration.break:'],
    [
      { agent_state_duration: { paused: { threshold: 0 } } },
      'agent_state_duration.paused.threshold:',
    ],
  ])('rejects %j naming the field', (raw, expected) => {
    const problems = problemsOf(() => validateQueueAlertPolicy(raw, 'queue "sales"'));
    expect(problems.some((problem) => problem.startsWith(expected))).toBe(true);
  });

  it('rejects what is not an object', () => {
    expect(problemsOf(() => validateQueueAlertPolicy([], 'q'))).toEqual([
      '(root): must be an object',
    ]);
    expect(problemsOf(() => validateQueueAlertPolicy(null, 'q'))).toEqual([
      '(root): must be an object',
    ]);
  });

  it('rejects a clear threshold on the wrong side of its threshold', () => {
    const above = validateQueueAlertPolicy(
      { longest_wait: { threshold: 60, clear_threshold: 90 } },
      'q',
    );
    expect(resolvePolicy(undefined, above).problems).toEqual([
      'longest_wait.clear_threshold: 90 must be at most threshold 60',
    ]);
    const below = validateQueueAlertPolicy(
      { service_level: { threshold: 80, clear_threshold: 70 } },
      'q',
    );
    expect(resolvePolicy(undefined, below).problems).toEqual([
      'service_level.clear_threshold: 70 must be at least threshold 80',
    ]);
  });

  it('needs a threshold for a state rule that has no default', () => {
    const override = validateQueueAlertPolicy(
      { agent_state_duration: { available: { severity: 'minor' } } },
      'q',
    );
    expect(resolvePolicy(undefined, override).problems).toEqual([
      'agent_state_duration.available.threshold: required',
    ]);
  });

  it('is a 400-class domain error whose message names the queue and the field', () => {
    const rules = new CallAlertRules();
    let caught: unknown;
    try {
      rules.setQueuePolicy('sales', { waiting_calls: { threshold: -3 } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe(ErrorCode.InvalidInput);
    expect((caught as Error).message).toMatch(/queue "sales".*waiting_calls\.threshold/);
    expect(rules.queuePolicy('sales')).toBeUndefined();
  });

  it('stores a valid override and reports it as given, without unset fields', () => {
    const rules = new CallAlertRules();
    rules.setQueuePolicy('sales', { waiting_calls: { threshold: 3 } });
    expect(rules.queuePolicy('sales')).toStrictEqual({ waiting_calls: { threshold: 3 } });
    expect(rules.effectivePolicy('sales').waitingCalls.threshold).toBe(3);
    expect(rules.effectivePolicy('support').waitingCalls.threshold).toBe(10);
    expect(rules.removeQueuePolicy('sales')).toBe(true);
    expect(rules.effectivePolicy('sales').waitingCalls.threshold).toBe(10);
  });

  it('refuses new defaults that break an override, naming the queue, and keeps the old ones', () => {
    const rules = new CallAlertRules();
    rules.setQueuePolicy('sales', { longest_wait: { clear_threshold: 100 } });
    const problems = problemsOf(() =>
      rules.setDefaults({ longest_wait: { threshold: 50, clear_threshold: 40 } }),
    );
    expect(problems).toEqual([
      'queue "sales" override longest_wait.clear_threshold: 100 must be at most threshold 50',
    ]);
    expect(rules.effectivePolicy('support').longestWait.threshold).toBe(120);
  });
});
