import { BusinessCalendar } from './business-calendar';
import { SlaDefinitionError } from './sla-errors';
import { SlaPolicy, SlaPolicyCatalog } from './sla-policy';

const noc = BusinessCalendar.fromDefinition({ id: 'noc', timeZone: 'UTC', alwaysOpen: true });
const calendars = new Map([[noc.id, noc]]);

const base = {
  name: 'policy',
  calendarId: 'noc',
  targets: { resolutionMinutes: 240 },
  stopStatuses: ['Resolved'],
};

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof SlaDefinitionError) return error.problems;
    throw error;
  }
  throw new Error('definition was accepted');
}

describe('SlaPolicyCatalog.match', () => {
  const catalog = SlaPolicyCatalog.fromDefinitions(
    [
      { ...base, id: 'default' },
      { ...base, id: 'p1', match: { priorities: ['P1'] } },
      { ...base, id: 'p1-radio', match: { priorities: ['P1', 'P2'], categories: ['Radio'] } },
      { ...base, id: 'radio', match: { categories: ['radio'] } },
      { ...base, id: 'acme', match: { customers: ['ACME'] } },
    ],
    [noc],
  );
  const subject = (priority: string | null, category: string | null, customer: string | null) =>
    catalog.match({ priority, category, customer })?.id;

  it('picks the most specific policy: customer over category over priority', () => {
    expect(subject('P1', 'Radio', 'ACME')).toBe('acme');
    expect(subject('P1', 'Radio', 'Globex')).toBe('p1-radio');
    expect(subject('P3', 'Radio', null)).toBe('radio');
    expect(subject('P1', 'Transport', null)).toBe('p1');
    expect(subject(null, null, null)).toBe('default');
  });

  it('compares values trimmed and case-insensitively', () => {
    expect(subject(' p1 ', 'RADIO', 'acme')).toBe('acme');
    expect(subject('p2', ' radio', null)).toBe('p1-radio');
  });

  it('keeps the listed order among equally specific policies and may match none', () => {
    const tie = SlaPolicyCatalog.fromDefinitions(
      [
        { ...base, id: 'first', match: { priorities: ['P1', 'P2'] } },
        { ...base, id: 'second', match: { priorities: ['P1'] } },
      ],
      [noc],
    );
    expect(tie.match({ priority: 'P1', category: null, customer: null })?.id).toBe('first');
    expect(tie.match({ priority: 'P4', category: null, customer: null })).toBeUndefined();
  });
});

describe('SlaPolicy definition', () => {
  it('derives thresholds, budgets and status classes', () => {
    const policy = SlaPolicy.fromDefinition(
      {
        ...base,
        id: 'p',
        targets: { responseMinutes: 15, resolutionMinutes: 240 },
        atRiskThresholds: [0.9, 0.75, 0.9],
        pauseStatuses: ['Pending customer', 'On hold'],
        cancelStatuses: ['Cancelled'],
      },
      calendars,
    );
    expect(policy.thresholds).toEqual([0.75, 0.9, 1]);
    expect(policy.budgetsOf('resolution')).toEqual([180 * 60_000, 216 * 60_000, 240 * 60_000]);
    expect(policy.budgetsOf('response')).toEqual([675_000, 810_000, 900_000]);
    expect(policy.statusClassOf(' on HOLD')).toBe('paused');
    expect(policy.statusClassOf('Resolved')).toBe('stopped');
    expect(policy.statusClassOf('Cancelled')).toBe('cancelled');
    expect(policy.statusClassOf('In progress')).toBe('active');
    expect(SlaPolicy.fromDefinition({ ...base, id: 'd' }, calendars).thresholds).toEqual([
      0.75, 0.9, 1,
    ]);
  });

  it.each([
    [{ ...base, id: 'p', calendarId: 'nowhere' }, 'calendarId: no business calendar "nowhere"'],
    [{ ...base, id: 'p', targets: {} }, 'targets: needs responseMinutes or resolutionMinutes'],
    [
      { ...base, id: 'p', targets: { resolutionMinutes: 2.5 } },
      'targets.resolutionMinutes: resolutionMinutes must be an integer number',
    ],
    [
      { ...base, id: 'p', atRiskThresholds: [0.8, 1.2] },
      'atRiskThresholds.1: must be a share strictly between 0 and 1',
    ],
    [
      { ...base, id: 'p', pauseStatuses: ['Resolved'] },
      'stopStatuses.0: status "Resolved" is already in pauseStatuses',
    ],
    [{ ...base, id: 'p', stopStatuses: [] }, 'stopStatuses: stopStatuses should not be empty'],
    [
      { ...base, id: 'p', match: { priority: ['P1'] } },
      'match.priority: property priority should not exist',
    ],
  ])('names the bad field: %j', (raw, expected) => {
    expect(problemsOf(() => SlaPolicy.fromDefinition(raw, calendars)).join('\n')).toContain(
      expected,
    );
  });

  it('reports every policy of a catalog with its index, and duplicate ids', () => {
    const problems = problemsOf(() =>
      SlaPolicyCatalog.fromDefinitions(
        [
          { ...base, id: 'a' },
          { ...base, id: 'a' },
          { ...base, id: 'b', calendarId: 'x' },
          'not a policy',
        ],
        [noc],
      ),
    );
    expect(problems).toEqual([
      'policies.1.id: duplicate policy id "a"',
      'policies.2.calendarId: no business calendar "x"',
      'policies.3: must be an object',
    ]);
    expect(problemsOf(() => SlaPolicyCatalog.fromDefinitions({}, [noc]))).toEqual([
      'policies: must be an array',
    ]);
  });
});
