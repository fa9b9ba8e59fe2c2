import {
  timestampMs,
  CallAlertSeverity,
  CallAlertState,
  type CallAlert,
} from '@telcomesh/contracts';
import {
  CallAlertInputError,
  CallAlertRules,
  callAlertId,
  type CallAlertLogger,
} from './call-alert-rules';
import type { AgentFacts, QueueFacts } from './call-alert-facts';
import type { QueueAlertPolicy } from './queue-alert-policy.dto';

const T0 = Date.parse('2025-01-06T09:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

const ALL_OFF: QueueAlertPolicy = {
  longest_wait: { enabled: false },
  waiting_calls: { enabled: false },
  service_level: { enabled: false },
  abandonment_rate: { enabled: false },
  agents_available: { enabled: false },
  agent_state_duration: {
    ringing: { enabled: false },
    on_call: { enabled: false },
    wrap_up: { enabled: false },
    paused: { enabled: false },
  },
};

/**
 * Rules with every default off except what `policy` turns on; a rule given without
 * `for_seconds` fires at once (the built-in defaults wait 30-60 s for some rules).
 */
function rulesWith(policy: QueueAlertPolicy, logger?: CallAlertLogger): CallAlertRules {
  const immediate = <T extends object>(rule: T | undefined): T | undefined =>
    rule && { for_seconds: 0, ...rule };
  const states = policy.agent_state_duration ?? {};
  const defaults: QueueAlertPolicy = {
    ...ALL_OFF,
    ...Object.fromEntries(
      Object.entries(policy)
        .filter(([key]) => key !== 'agent_state_duration')
        .map(([key, rule]) => [key, immediate(rule as object)]),
    ),
    agent_state_duration: {
      ...ALL_OFF.agent_state_duration,
      ...Object.fromEntries(
        Object.entries(states).map(([key, rule]) => [key, immediate(rule as object)]),
      ),
    },
  };
  return new CallAlertRules({ defaults, logger });
}

function queue(overrides: Partial<QueueFacts> = {}): QueueFacts {
  return {
    queueId: 'sales',
    queueName: 'Sales',
    sourceId: 'pbx-1',
    tenantId: 'acme',
    waitingCalls: 0,
    longestWaitSeconds: 0,
    agentsLoggedIn: 5,
    agentsAvailable: 3,
    ...overrides,
  };
}

function agent(overrides: Partial<AgentFacts> = {}): AgentFacts {
  return {
    agentId: 'a1',
    sourceId: 'pbx-1',
    login: 'alice',
    name: 'Alice',
    state: 'paused',
    stateSince: at(0),
    queues: ['sales'],
    ...overrides,
  };
}

const states = (alerts: CallAlert[]): string[] =>
  alerts.map((a) => `${a.rule}:${a.state === CallAlertState.FIRING ? 'FIRING' : 'RESOLVED'}`);

describe('CallAlertRules', () => {
  describe('longest_wait', () => {
    const rules = () =>
      rulesWith({ longest_wait: { threshold: 120, clear_threshold: 90, severity: 'major' } });

    it('fires once above the threshold, holds between the thresholds, resolves once at the clear threshold', () => {
      const r = rules();
      expect(
        r.evaluate(at(0), { queues: [queue({ longestWaitSeconds: 120 })], agents: [] }),
      ).toEqual([]);

      const fired = r.evaluate(at(1), { queues: [queue({ longestWaitSeconds: 121 })], agents: [] });
      expect(fired).toHaveLength(1);
      expect(fired[0]).toMatchObject({
        alertId: callAlertId('longest_wait', 'pbx-1', 'sales'),
        rule: 'longest_wait',
        state: CallAlertState.FIRING,
        severity: CallAlertSeverity.MAJOR,
        queueId: 'sales',
        queueName: 'Sales',
        sourceId: 'pbx-1',
        tenantId: 'acme',
        observedValue: 121,
        threshold: 120,
        unit: 's',
        summary: 'Queue "Sales": a caller has been waiting 121 s (threshold 120 s).',
      });
      expect(timestampMs(fired[0].observedAt!)).toBe(at(1).getTime());
      expect(fired[0].metadata).toMatchObject({ clear_threshold: '90', for_seconds: '0' });

      // Still above, then between clear and fire thresholds: no report.
      expect(
        r.evaluate(at(2), { queues: [queue({ longestWaitSeconds: 300 })], agents: [] }),
      ).toEqual([]);
      expect(
        r.evaluate(at(3), { queues: [queue({ longestWaitSeconds: 100 })], agents: [] }),
      ).toEqual([]);
      expect(r.active().map((a) => [a.observedValue, a.summary])).toEqual([
        [100, 'Queue "Sales": a caller has been waiting 100 s (threshold 120 s).'],
      ]);

      const resolved = r.evaluate(at(4), {
        queues: [queue({ longestWaitSeconds: 90 })],
        agents: [],
      });
      expect(resolved).toHaveLength(1);
      expect(resolved[0]).toMatchObject({
        alertId: fired[0].alertId,
        state: CallAlertState.RESOLVED,
        observedValue: 90,
        threshold: 120,
        severity: CallAlertSeverity.MAJOR,
      });
      expect(resolved[0].metadata).toMatchObject({
        resolved_reason: 'cleared',
        fired_at: at(1).toISOString(),
      });
      expect(r.evaluate(at(5), { queues: [queue({ longestWaitSeconds: 0 })], agents: [] })).toEqual(
        [],
      );
      expect(r.active()).toEqual([]);
    });

    it('does not flap around the threshold thanks to the clear threshold', () => {
      const r = rules();
      const reports: CallAlert[] = [];
      [121, 119, 121, 100, 125, 91].forEach((wait, i) => {
        reports.push(
          ...r.evaluate(at(i), { queues: [queue({ longestWaitSeconds: wait })], agents: [] }),
        );
      });
      expect(states(reports)).toEqual(['longest_wait:FIRING']);
    });
  });

  describe('waiting_calls with a `for` duration', () => {
    const rules = () =>
      rulesWith({ waiting_calls: { threshold: 10, clear_threshold: 7, for_seconds: 30 } });
    const waiting = (n: number) => ({ queues: [queue({ waitingCalls: n })], agents: [] });

    it('fires only after the condition has held for the whole duration', () => {
      const r = rules();
      expect(r.evaluate(at(0), waiting(11))).toEqual([]);
      expect(r.evaluate(at(29), waiting(12))).toEqual([]);
      const fired = r.evaluate(at(30), waiting(12));
      expect(states(fired)).toEqual(['waiting_calls:FIRING']);
      expect(fired[0]).toMatchObject({ observedValue: 12, threshold: 10, unit: 'calls' });
      expect(r.evaluate(at(31), waiting(12))).toEqual([]);
      expect(states(r.evaluate(at(32), waiting(7)))).toEqual(['waiting_calls:RESOLVED']);
    });

    it('starts the duration again when the condition lapses while pending', () => {
      const r = rules();
      r.evaluate(at(0), waiting(11));
      expect(r.evaluate(at(20), waiting(10))).toEqual([]); // not above: pending dropped
      expect(r.evaluate(at(25), waiting(11))).toEqual([]);
      expect(r.evaluate(at(54), waiting(11))).toEqual([]);
      expect(states(r.evaluate(at(55), waiting(11)))).toEqual(['waiting_calls:FIRING']);
    });
  });

  describe('service_level', () => {
    const rules = () =>
      rulesWith({
        service_level: {
          threshold: 80,
          clear_threshold: 85,
          answer_within_seconds: 20,
          window_seconds: 900,
          min_calls: 10,
          short_abandon_seconds: 5,
          severity: 'critical',
        },
      });
    const facts = { queues: [queue()], agents: [] };

    it('waits for the minimum sample, then fires; short abandons count for nothing', () => {
      const r = rules();
      // 9 calls: 6 within 20 s, 3 late = 66.7%, but below the minimum of 10.
      for (let i = 0; i < 6; i++) r.recordFinishedCall('sales', 'answered', 10, at(i), 'pbx-1');
      for (let i = 0; i < 3; i++)
        r.recordFinishedCall('sales', 'answered', 40, at(10 + i), 'pbx-1');
      // Short abandons (<= 5 s) do not reach the minimum either.
      for (let i = 0; i < 5; i++)
        r.recordFinishedCall('sales', 'abandoned', 5, at(20 + i), 'pbx-1');
      expect(r.evaluate(at(30), facts)).toEqual([]);

      r.recordFinishedCall('sales', 'abandoned', 30, at(31), 'pbx-1');
      const fired = r.evaluate(at(32), facts);
      expect(states(fired)).toEqual(['service_level:FIRING']);
      expect(fired[0]).toMatchObject({
        observedValue: 60,
        threshold: 80,
        unit: '%',
        severity: CallAlertSeverity.CRITICAL,
      });
      expect(fired[0].metadata).toMatchObject({
        calls: '10',
        answered: '9',
        abandoned: '1',
        answered_within: '6',
        window_seconds: '900',
      });
      expect(fired[0].summary).toBe(
        'Queue "Sales": service level 60% over the last 15 min (target 80% answered within 20 s; 10 calls).',
      );
    });

    it('resolves at the clear threshold, not before', () => {
      const r = rules();
      for (let i = 0; i < 10; i++)
        r.recordFinishedCall('sales', 'answered', i < 7 ? 10 : 40, at(i), 'pbx-1');
      expect(states(r.evaluate(at(10), facts))).toEqual(['service_level:FIRING']); // 70%
      for (let i = 0; i < 5; i++)
        r.recordFinishedCall('sales', 'answered', 10, at(20 + i), 'pbx-1');
      expect(r.evaluate(at(30), facts)).toEqual([]); // 12/15 = 80%: above the threshold, below clear
      for (let i = 0; i < 5; i++)
        r.recordFinishedCall('sales', 'answered', 10, at(40 + i), 'pbx-1');
      const resolved = r.evaluate(at(50), facts); // 17/20 = 85%
      expect(states(resolved)).toEqual(['service_level:RESOLVED']);
      expect(resolved[0].observedValue).toBe(85);
    });

    it('resolves with no_data once the window is empty, and judges a small sample on its value', () => {
      const r = rules();
      for (let i = 0; i < 10; i++) r.recordFinishedCall('sales', 'answered', 60, at(i), 'pbx-1');
      expect(states(r.evaluate(at(10), facts))).toEqual(['service_level:FIRING']);
      // A late call keeps it firing even though the sample is now small: the value still says so.
      r.recordFinishedCall('sales', 'answered', 60, at(800), 'pbx-1');
      expect(r.evaluate(at(905), facts)).toEqual([]);
      const resolved = r.evaluate(at(1700), facts);
      expect(states(resolved)).toEqual(['service_level:RESOLVED']);
      expect(resolved[0].metadata.resolved_reason).toBe('no_data');
    });

    it('uses the calls given with the facts when the caller keeps the window', () => {
      const r = rules();
      const recent = Array.from({ length: 10 }, (_, i) => ({
        outcome: 'answered' as const,
        waitSeconds: i < 5 ? 10 : 40,
        endedAt: at(i),
      }));
      const fired = r.evaluate(at(20), {
        queues: [queue({ recentFinishedCalls: recent })],
        agents: [],
      });
      expect(fired[0]).toMatchObject({ rule: 'service_level', observedValue: 50 });
    });
  });

  it('drops a bad call given with the facts, logs it once, and counts the others', () => {
    const warnings: string[] = [];
    const r = rulesWith(
      {
        service_level: {
          threshold: 80,
          clear_threshold: 80,
          answer_within_seconds: 20,
          window_seconds: 900,
          min_calls: 4,
        },
      },
      { warn: (m) => warnings.push(m) },
    );
    const recent = [
      { outcome: 'answered' as const, waitSeconds: 40, endedAt: at(1) },
      { outcome: 'answered' as const, waitSeconds: Number.NaN, endedAt: at(2) },
      { outcome: 'answered' as const, waitSeconds: 40, endedAt: at(3) },
      { outcome: 'answered' as const, waitSeconds: 1, endedAt: at(4) },
      { outcome: 'answered' as const, waitSeconds: 1, endedAt: at(5) },
    ];
    const facts = { queues: [queue({ recentFinishedCalls: recent })], agents: [] };
    const fired = r.evaluate(at(10), facts);
    expect(fired[0]).toMatchObject({ rule: 'service_level', observedValue: 50 });
    expect(fired[0].metadata.calls).toBe('4');
    r.evaluate(at(11), facts);
    expect(warnings).toEqual([
      'call alerts: queue "sales": finished call skipped: recentFinishedCalls[1]: waitSeconds must be a finite number >= 0, got NaN',
    ]);
  });

  describe('abandonment_rate', () => {
    const rules = () =>
      rulesWith({
        abandonment_rate: {
          threshold: 10,
          clear_threshold: 5,
          window_seconds: 600,
          min_calls: 20,
          short_abandon_seconds: 5,
          for_seconds: 60,
        },
      });
    const facts = { queues: [queue()], agents: [] };

    it('fires on a spike over a big enough sample after `for`, resolves when the window recovers', () => {
      const r = rules();
      for (let i = 0; i < 16; i++) r.recordFinishedCall('sales', 'answered', 3, at(i), 'pbx-1');
      for (let i = 0; i < 3; i++)
        r.recordFinishedCall('sales', 'abandoned', 30, at(20 + i), 'pbx-1');
      expect(r.evaluate(at(30), facts)).toEqual([]); // 19 calls: below the minimum sample
      r.recordFinishedCall('sales', 'abandoned', 40, at(31), 'pbx-1'); // 4/20 = 20%
      expect(r.evaluate(at(32), facts)).toEqual([]); // pending
      const fired = r.evaluate(at(92), facts);
      expect(states(fired)).toEqual(['abandonment_rate:FIRING']);
      expect(fired[0].observedValue).toBe(20);
      // Fresh answered calls dilute it: 4/60 = 6.7%, below the threshold but above the clear one.
      for (let i = 0; i < 40; i++)
        r.recordFinishedCall('sales', 'answered', 3, at(100 + i), 'pbx-1');
      expect(r.evaluate(at(150), facts)).toEqual([]);
      for (let i = 0; i < 30; i++)
        r.recordFinishedCall('sales', 'answered', 3, at(200 + i), 'pbx-1');
      const resolved = r.evaluate(at(240), facts); // 4/90 = 4.4%
      expect(states(resolved)).toEqual(['abandonment_rate:RESOLVED']);
    });
  });

  describe('agents_available', () => {
    const rules = () =>
      rulesWith({ agents_available: { threshold: 1, clear_threshold: 2, severity: 'critical' } });

    it('fires when too few agents are free while calls wait, not when nobody waits', () => {
      const r = rules();
      expect(
        r.evaluate(at(0), { queues: [queue({ waitingCalls: 0, agentsAvailable: 0 })], agents: [] }),
      ).toEqual([]);
      const fired = r.evaluate(at(1), {
        queues: [queue({ waitingCalls: 3, agentsAvailable: 0, agentsLoggedIn: 4 })],
        agents: [],
      });
      expect(fired[0]).toMatchObject({
        rule: 'agents_available',
        observedValue: 0,
        threshold: 1,
        unit: 'agents',
        summary:
          'Queue "Sales": 0 agents available (4 logged in) while 3 calls wait (threshold 1).',
      });
      // One agent free: at the fire threshold but below the clear threshold of 2.
      expect(
        r.evaluate(at(2), { queues: [queue({ waitingCalls: 3, agentsAvailable: 1 })], agents: [] }),
      ).toEqual([]);
      expect(
        states(
          r.evaluate(at(3), {
            queues: [queue({ waitingCalls: 0, agentsAvailable: 0 })],
            agents: [],
          }),
        ),
      ).toEqual(['agents_available:RESOLVED']);
    });
  });

  describe('agent_state_duration', () => {
    const rules = () =>
      rulesWith({
        agent_state_duration: {
          paused: { threshold: 900, severity: 'warning' },
          wrap_up: { threshold: 120, severity: 'minor' },
        },
      });

    it('fires per agent, each with its own alert id, and resolves when the agent leaves the state', () => {
      const r = rules();
      const alice = agent({ agentId: 'a1', stateSince: at(0) });
      const bob = agent({ agentId: 'a2', login: 'bob', name: 'Bob', stateSince: at(100) });
      expect(r.evaluate(at(900), { queues: [], agents: [alice, bob] })).toEqual([]);
      const first = r.evaluate(at(901), { queues: [], agents: [alice, bob] });
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({
        alertId: callAlertId('agent_state_duration', 'pbx-1', 'sales', {
          agentId: 'a1',
          state: 'paused',
        }),
        queueId: 'sales',
        observedValue: 901,
        threshold: 900,
        unit: 's',
        severity: CallAlertSeverity.WARNING,
        summary: 'Agent Alice (alice) has been paused for 15 min 1 s (threshold 15 min).',
      });
      expect(first[0].metadata).toMatchObject({
        agent_id: 'a1',
        agent_state: 'paused',
        agent_login: 'alice',
      });

      const second = r.evaluate(at(1001), { queues: [], agents: [alice, bob] });
      expect(second.map((a) => a.metadata.agent_id)).toEqual(['a2']);
      expect(second[0].alertId).not.toBe(first[0].alertId);

      const back = r.evaluate(at(1002), {
        queues: [],
        agents: [{ ...alice, state: 'available', stateSince: at(1002) }, bob],
      });
      expect(back).toHaveLength(1);
      expect(back[0]).toMatchObject({ alertId: first[0].alertId, state: CallAlertState.RESOLVED });
      expect(back[0].metadata.resolved_reason).toBe('no_longer_applies');
      expect(back[0].summary).toBe('Agent Alice (alice) is no longer paused.');
      expect(r.active().map((a) => a.metadata.agent_id)).toEqual(['a2']);
    });

    it('watches each state with its own threshold', () => {
      const r = rules();
      const fired = r.evaluate(at(121), {
        queues: [],
        agents: [agent({ state: 'wrap_up', stateSince: at(0) })],
      });
      expect(fired[0]).toMatchObject({ threshold: 120, severity: CallAlertSeverity.MINOR });
      expect(fired[0].summary).toBe(
        'Agent Alice (alice) has been in wrap-up for 121 s (threshold 120 s).',
      );
      // On a call has no rule here: the wrap-up alert resolves and nothing new fires.
      const later = r.evaluate(at(5000), {
        queues: [],
        agents: [agent({ state: 'on_call', stateSince: at(0) })],
      });
      expect(states(later)).toEqual(['agent_state_duration:RESOLVED']);
    });

    it('publishes on the agent group when the agent is in no queue, and skips one in neither', () => {
      const r = rules();
      const fired = r.evaluate(at(1000), {
        queues: [],
        agents: [agent({ queues: [], profile: 'night-shift' })],
      });
      expect(fired[0].queueId).toBe('night-shift');
      const lost = r.evaluate(at(1001), {
        queues: [],
        agents: [agent({ queues: [], profile: undefined })],
      });
      expect(states(lost)).toEqual(['agent_state_duration:RESOLVED']);
      expect(r.evaluate(at(1002), { queues: [], agents: [agent({ queues: [] })] })).toEqual([]);
    });
  });

  describe('policies', () => {
    it('lets a queue override beat the default', () => {
      const r = rulesWith({ waiting_calls: { threshold: 10 } });
      r.setQueuePolicy('vip', { waiting_calls: { threshold: 2, severity: 'critical' } });
      const reports = r.evaluate(at(0), {
        queues: [
          queue({ waitingCalls: 5 }),
          queue({ queueId: 'vip', queueName: 'VIP', waitingCalls: 5 }),
        ],
        agents: [],
      });
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatchObject({
        queueId: 'vip',
        threshold: 2,
        severity: CallAlertSeverity.CRITICAL,
      });
    });

    it('applies a queue override to the agents published on that queue', () => {
      const r = rulesWith({ agent_state_duration: { paused: { threshold: 900 } } });
      r.setQueuePolicy('vip', { agent_state_duration: { paused: { threshold: 60 } } });
      const reports = r.evaluate(at(61), {
        queues: [],
        agents: [agent({ agentId: 'a1' }), agent({ agentId: 'a2', queues: ['vip', 'sales'] })],
      });
      expect(reports.map((a) => a.metadata.agent_id)).toEqual(['a2']);
    });

    it('resolves an open alert whose rule gets disabled', () => {
      const r = rulesWith({ waiting_calls: { threshold: 1 } });
      const facts = { queues: [queue({ waitingCalls: 5 })], agents: [] };
      expect(r.evaluate(at(0), facts)).toHaveLength(1);
      r.setQueuePolicy('sales', { waiting_calls: { enabled: false } });
      const reports = r.evaluate(at(1), facts);
      expect(states(reports)).toEqual(['waiting_calls:RESOLVED']);
      expect(reports[0].metadata.resolved_reason).toBe('no_longer_applies');
    });
  });

  describe('subjects and bad input', () => {
    it('resolves the alerts of a queue that is no longer reported', () => {
      const r = rulesWith({ waiting_calls: { threshold: 1 } });
      r.evaluate(at(0), { queues: [queue({ waitingCalls: 5 })], agents: [] });
      const reports = r.evaluate(at(1), { queues: [], agents: [] });
      expect(states(reports)).toEqual(['waiting_calls:RESOLVED']);
      expect(reports[0].metadata.resolved_reason).toBe('not_reported');
      expect(reports[0].summary).toBe(
        'Queue "Sales" is no longer reported; waiting calls alert resolved.',
      );
    });

    it('skips an invalid queue (logged once) without touching its alerts or the other queues', () => {
      const warnings: string[] = [];
      const r = rulesWith({ waiting_calls: { threshold: 1 } }, { warn: (m) => warnings.push(m) });
      r.evaluate(at(0), { queues: [queue({ waitingCalls: 5 })], agents: [] });
      const bad = queue({ waitingCalls: Number.NaN });
      const other = queue({ queueId: 'support', waitingCalls: 9 });
      const reports = r.evaluate(at(1), { queues: [bad, other], agents: [] });
      expect(reports.map((a) => a.queueId)).toEqual(['support']);
      expect(r.evaluate(at(2), { queues: [bad, other], agents: [] })).toEqual([]);
      expect(warnings).toEqual([
        'call alerts: queue "sales" skipped, its alerts kept as they are: waitingCalls must be a finite number >= 0, got NaN',
      ]);
      expect(
        r
          .active()
          .map((a) => a.queueId)
          .sort(),
      ).toEqual(['sales', 'support']);
    });

    it('skips an invalid agent and a queue listed twice', () => {
      const warnings: string[] = [];
      const r = rulesWith(
        { waiting_calls: { threshold: 1 }, agent_state_duration: { paused: { threshold: 10 } } },
        { warn: (m) => warnings.push(m) },
      );
      const reports = r.evaluate(at(100), {
        queues: [queue({ waitingCalls: 5 }), queue({ waitingCalls: 0 })],
        agents: [agent({ stateSince: new Date('nope') }), agent({ agentId: 'a2' })],
      });
      expect(reports.map((a) => a.rule + ':' + (a.metadata.agent_id ?? a.queueId))).toEqual([
        'waiting_calls:sales',
        'agent_state_duration:a2',
      ]);
      expect(warnings).toEqual([
        expect.stringContaining('queue "sales" skipped, its alerts kept as they are: listed twice'),
        expect.stringContaining(
          'agent "a1" skipped, its alerts kept as they are: stateSince must be a valid Date',
        ),
      ]);
    });

    it('refuses a bad finished call naming the argument', () => {
      const r = new CallAlertRules();
      expect(() => r.recordFinishedCall('sales', 'answered', -1, at(0))).toThrow(
        new CallAlertInputError(
          'recordFinishedCall (queue "sales"): waitSeconds must be a finite number >= 0, got -1',
        ),
      );
      expect(() => r.recordFinishedCall('', 'answered', 1, at(0))).toThrow(
        /queueId must be a non-empty string/,
      );
      expect(() => r.recordFinishedCall('sales', 'lost' as 'answered', 1, at(0))).toThrow(
        /outcome must be one of/,
      );
      expect(() => r.evaluate(new Date(Number.NaN), { queues: [], agents: [] })).toThrow(
        /now must be a valid Date/,
      );
    });
  });

  describe('fail-over', () => {
    const policy: QueueAlertPolicy = {
      waiting_calls: { threshold: 5, for_seconds: 60 },
      service_level: {
        threshold: 80,
        clear_threshold: 80,
        window_seconds: 900,
        min_calls: 4,
        answer_within_seconds: 20,
      },
    };

    it('continues on a replica without firing again, and resolves once there', () => {
      const primary = rulesWith(policy);
      for (let i = 0; i < 4; i++)
        primary.recordFinishedCall('sales', 'answered', 60, at(i), 'pbx-1');
      const facts = { queues: [queue({ waitingCalls: 9 })], agents: [] };
      expect(states(primary.evaluate(at(10), facts))).toEqual(['service_level:FIRING']);
      const saved: unknown = JSON.parse(JSON.stringify(primary));

      const replica = rulesWith(policy);
      replica.restore(saved);
      expect(replica.active().map((a) => a.rule)).toEqual(['service_level']);
      // The waiting-calls alert was pending since 10 s: it fires at 70 s, not 60 s after restore.
      expect(replica.evaluate(at(20), facts)).toEqual([]);
      expect(states(replica.evaluate(at(70), facts))).toEqual(['waiting_calls:FIRING']);
      // The window came along: 4 late calls + 4 quick ones = 50%, still firing.
      for (let i = 0; i < 4; i++)
        replica.recordFinishedCall('sales', 'answered', 1, at(80 + i), 'pbx-1');
      expect(replica.evaluate(at(90), facts)).toEqual([]);
      for (let i = 0; i < 12; i++)
        replica.recordFinishedCall('sales', 'answered', 1, at(100 + i), 'pbx-1');
      expect(states(replica.evaluate(at(120), facts))).toEqual(['service_level:RESOLVED']);
    });

    it('hands over one source at a time without reporting on the replica giving it up', () => {
      const a = rulesWith(policy);
      const facts = (source: string) => ({
        queues: [queue({ sourceId: source, waitingCalls: 9 })],
        agents: [],
      });
      a.evaluate(at(0), {
        queues: [...facts('pbx-1').queues, ...facts('pbx-2').queues],
        agents: [],
      });
      expect(
        a.evaluate(at(60), {
          queues: [...facts('pbx-1').queues, ...facts('pbx-2').queues],
          agents: [],
        }),
      ).toHaveLength(2);

      const handed = a.exportState('pbx-2');
      expect(handed.alerts.map((x) => x.sourceId)).toEqual(['pbx-2']);
      a.forgetSource('pbx-2');
      expect(a.evaluate(at(61), facts('pbx-1'))).toEqual([]);

      const b = rulesWith(policy);
      b.restore(JSON.parse(JSON.stringify(handed)), 'pbx-2');
      expect(b.evaluate(at(62), facts('pbx-2'))).toEqual([]);
      expect(states(b.evaluate(at(63), { queues: [], agents: [] }))).toEqual([
        'waiting_calls:RESOLVED',
      ]);
    });

    it('refuses a damaged state naming the field, and keeps its own', () => {
      const r = rulesWith({ waiting_calls: { threshold: 1 } });
      r.evaluate(at(0), { queues: [queue({ waitingCalls: 5 })], agents: [] });
      const saved = JSON.parse(JSON.stringify(r)) as { alerts: Record<string, unknown>[] };
      saved.alerts[0].sinceMs = 'yesterday';
      expect(() => r.restore(saved)).toThrow('restore: alerts[0].sinceMs: must be a finite number');
      expect(() => r.restore({ version: 2 })).toThrow('restore: version: must be 1, got 2');
      expect(r.active()).toHaveLength(1);
    });
  });
});
