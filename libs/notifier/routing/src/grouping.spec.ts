import { ManualClock } from './clock';
import { RoutingConfigError } from './config-error';
import { NotificationGrouper, parseGroupingConfig, type GroupingConfig } from './grouping';
import { notification } from './notification.fixture';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const config: GroupingConfig = {
  groupBy: ['site'],
  groupWaitMs: 30 * SECOND,
  groupIntervalMs: 5 * MINUTE,
  repeatIntervalMs: 4 * HOUR,
};

function alarm(index: number, overrides: Parameters<typeof notification>[0] = {}) {
  return notification({
    subject: `alarm.site-001.cell_${index}`,
    labels: { alarm_id: `A${index}` },
    title: `Cell ${index} down`,
    ...overrides,
  });
}

/** Advances to the grouper's next flush and returns what it sent (or [] if none was due). */
function runUntil(grouper: NotificationGrouper, clock: ManualClock, until: number) {
  const sent = [];
  for (;;) {
    const next = grouper.nextFlushAt();
    if (next === undefined || next > until) break;
    clock.set(next);
    sent.push(...grouper.flush());
  }
  clock.set(until);
  return sent;
}

describe('NotificationGrouper', () => {
  let clock: ManualClock;
  let grouper: NotificationGrouper;

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    grouper = new NotificationGrouper(config, { clock, maxListed: 5 });
  });

  it('turns 1,000 alarms of one site inside group_wait into one notification', () => {
    const start = clock.now();
    for (let i = 0; i < 1000; i++) {
      grouper.add(alarm(i, { severity: i === 500 ? 'critical' : 'minor' }));
      clock.advance(20); // 20 s in all, inside the 30 s group_wait
    }
    expect(grouper.flush()).toEqual([]);
    expect(grouper.nextFlushAt()).toBe(start + 30 * SECOND);

    const sent = runUntil(grouper, clock, start + 30 * SECOND);
    expect(sent).toHaveLength(1);
    const [{ notification: grouped, groupLabels }] = sent;
    expect(groupLabels).toEqual({ site: 'site-001' });
    expect(grouped.count).toBe(1000);
    expect(grouped.summary).toBe('1000 alarms at site-001');
    expect(grouped.status).toBe('firing');
    expect(grouped.severity).toBe('critical');
    expect(grouped.site).toBe('site-001');
    expect(grouped.fields).toHaveLength(6);
    expect(grouped.fields[0].name).toBe('Cell 500 down'); // worst first
    expect(grouped.fields[5]).toEqual({ name: 'More', value: 'and 995 more' });
    // Nothing more while nothing changes (until repeat_interval).
    expect(runUntil(grouper, clock, start + 2 * HOUR)).toEqual([]);
  });

  it('keeps sites apart and says so in the summary', () => {
    grouper.add(alarm(1));
    grouper.add(alarm(2, { site: 'site-002' }));
    grouper.add(alarm(3, { site: 'site-002' }));
    const sent = runUntil(grouper, clock, clock.now() + MINUTE);
    expect(sent.map((s) => [s.notification.summary, s.notification.count]).sort()).toEqual([
      ['2 alarms at site-002', 2],
      ['Cell is not carrying traffic', 1],
    ]);
  });

  it('groups by every label with "..."', () => {
    const all = new NotificationGrouper({ ...config, groupBy: ['...'] }, { clock });
    all.add(alarm(1));
    all.add(alarm(1)); // same alarm again
    all.add(alarm(2));
    expect(runUntil(all, clock, clock.now() + MINUTE)).toHaveLength(2);
  });

  it('tells about alarms added later only at the next group_interval', () => {
    const start = clock.now();
    grouper.add(alarm(1));
    expect(runUntil(grouper, clock, start + 30 * SECOND)).toHaveLength(1);
    clock.set(start + MINUTE);
    grouper.add(alarm(2));
    grouper.add(alarm(3));
    expect(runUntil(grouper, clock, start + 5 * MINUTE)).toEqual([]);
    const sent = runUntil(grouper, clock, start + 30 * SECOND + 5 * MINUTE);
    expect(sent).toHaveLength(1);
    expect(sent[0].notification.count).toBe(3);
    expect(clock.now()).toBe(start + 30 * SECOND + 5 * MINUTE);
  });

  it('sends one resolved notification when every member has cleared', () => {
    const start = clock.now();
    for (let i = 0; i < 3; i++) grouper.add(alarm(i));
    expect(runUntil(grouper, clock, start + 30 * SECOND)).toHaveLength(1);

    grouper.add(alarm(0, { status: 'resolved' }));
    grouper.add(alarm(1, { status: 'resolved' }));
    // One still firing: no resolve, and a shrinking group is not news.
    expect(runUntil(grouper, clock, start + 30 * SECOND + 5 * MINUTE)).toEqual([]);

    grouper.add(alarm(2, { status: 'resolved', occurredAt: new Date(start + 6 * MINUTE) }));
    const sent = runUntil(grouper, clock, start + 30 * SECOND + 10 * MINUTE);
    expect(sent).toHaveLength(1);
    expect(sent[0].notification.status).toBe('resolved');
    expect(sent[0].notification.count).toBe(1);
    expect(sent[0].notification.title).toBe('Resolved: 1 alarm at site-001');
    expect(sent[0].notification.occurredAt).toEqual(new Date(start + 6 * MINUTE));
    expect(grouper.size).toBe(0);
    expect(grouper.nextFlushAt()).toBeUndefined();
  });

  it('resolves a whole group at once when it clears together', () => {
    for (let i = 0; i < 4; i++) grouper.add(alarm(i));
    runUntil(grouper, clock, clock.now() + 30 * SECOND);
    for (let i = 0; i < 4; i++) grouper.add(alarm(i, { status: 'resolved' }));
    const sent = runUntil(grouper, clock, clock.now() + 5 * MINUTE);
    expect(sent.map((s) => [s.notification.status, s.notification.count])).toEqual([
      ['resolved', 4],
    ]);
  });

  it('sends nothing for a group that fired and cleared within group_wait', () => {
    grouper.add(alarm(1));
    grouper.add(alarm(1, { status: 'resolved' }));
    expect(runUntil(grouper, clock, clock.now() + HOUR)).toEqual([]);
    expect(grouper.size).toBe(0);
  });

  it('ignores a resolve for an alarm it never saw', () => {
    grouper.add(alarm(9, { status: 'resolved' }));
    expect(grouper.size).toBe(0);
  });

  it('repeats after repeat_interval while still firing', () => {
    const start = clock.now();
    grouper.add(alarm(1));
    grouper.add(alarm(2));
    const first = runUntil(grouper, clock, start + 30 * SECOND);
    expect(first).toHaveLength(1);
    expect(runUntil(grouper, clock, start + 30 * SECOND + 4 * HOUR - 1)).toEqual([]);
    const repeat = runUntil(grouper, clock, start + 30 * SECOND + 4 * HOUR);
    expect(repeat).toHaveLength(1);
    expect(repeat[0].notification.count).toBe(2);
    expect(repeat[0].notification.id).not.toBe(first[0].notification.id);
    expect(runUntil(grouper, clock, start + 30 * SECOND + 8 * HOUR)).toHaveLength(1);
  });

  it('refuses timings that would flush in a loop', () => {
    expect(() => new NotificationGrouper({ ...config, groupIntervalMs: 0 })).toThrow(RangeError);
    expect(() => new NotificationGrouper({ ...config, repeatIntervalMs: 0 })).toThrow(RangeError);
    expect(() => new NotificationGrouper({ ...config, groupWaitMs: -1 })).toThrow(RangeError);
  });

  it('is deterministic: same inputs, same ids and content', () => {
    const run = () => {
      const c = new ManualClock(0);
      const g = new NotificationGrouper(config, { clock: c });
      for (let i = 0; i < 10; i++) g.add(alarm(i, { id: `fixed-${i}`, title: `T${i}` }));
      return runUntil(g, c, HOUR);
    };
    expect(run()).toEqual(run());
  });
});

describe('parseGroupingConfig', () => {
  it('parses Alertmanager durations and defaults', () => {
    expect(
      parseGroupingConfig({ group_by: ['site'], group_wait: '10s', repeat_interval: '1h30m' }),
    ).toEqual({
      groupBy: ['site'],
      groupWaitMs: 10_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 5_400_000,
    });
  });

  it('names every bad field', () => {
    let error: unknown;
    try {
      parseGroupingConfig({ group_by: 'site', group_wait: 'soon', group_interval: 0, extra: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RoutingConfigError);
    const problems = (error as RoutingConfigError).problems.join('\n');
    expect(problems).toMatch(/^group_by: /m);
    expect(problems).toMatch(/^extra: property extra should not exist/m);
    expect(() => parseGroupingConfig({ group_wait: 'soon', group_interval: 0 })).toThrow(
      /group_wait: must be a duration[\s\S]*group_interval: must be greater than 0/,
    );
    expect(() => parseGroupingConfig({ group_by: ['...', 'site'] })).toThrow(/cannot be combined/);
  });
});
