import { SlaDefinitionError } from '../sla';
import { readPolicyFile, SlaCatalog } from './sla-catalog';

const FILE = `
calendars:
  - id: moscow
    timeZone: Europe/Moscow
    weeklyHours:
      monday: [{ start: '09:00', end: '18:00' }]
policies:
  - id: p1
    name: P1
    calendarId: moscow
    match: { priorities: [P1] }
    targets: { resolutionMinutes: 240 }
    stopStatuses: [Resolved]
  - id: any
    name: Default
    calendarId: moscow
    targets: { resolutionMinutes: 2400 }
    stopStatuses: [Resolved]
`;

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SlaDefinitionError);
    return (error as SlaDefinitionError).problems;
  }
  throw new Error('expected an SlaDefinitionError');
}

describe('the policy file and the catalog', () => {
  it('reads calendars and policies and matches the most specific policy', () => {
    const content = readPolicyFile('sla.yaml', () => FILE);
    const catalog = SlaCatalog.build(3, content.calendars, content.policies);
    expect(catalog.version).toBe(3);
    expect(catalog.match({ priority: 'p1', category: null, customer: null })?.id).toBe('p1');
    expect(catalog.match({ priority: 'P4', category: null, customer: null })?.id).toBe('any');
    expect(catalog.policy('p1')?.calendar.id).toBe('moscow');
  });

  it('names every problem of a bad file, with its path', () => {
    const problems = problemsOf(() =>
      readPolicyFile('sla.yaml', () =>
        FILE.replace('calendarId: moscow\n    match', 'calendarId: nowhere\n    match').replace(
          'Europe/Moscow',
          'Mars/Olympus',
        ),
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^calendars\.0\.timeZone: /),
        expect.stringMatching(/^policies\.0\.calendarId: no business calendar "nowhere"/),
      ]),
    );
    expect(problemsOf(() => readPolicyFile('x', () => 'calendars: {}\nrules: []'))).toEqual([
      'rules: unknown key (expected calendars, policies)',
      'calendars: must be a list',
    ]);
    expect(problemsOf(() => readPolicyFile('x', () => 'calendars: [\n'))[0]).toMatch(
      /^not valid YAML: /,
    );
  });

  it('refuses duplicate calendar ids', () => {
    const calendar = { id: 'c', timeZone: 'UTC', alwaysOpen: true };
    expect(problemsOf(() => SlaCatalog.build(0, [calendar, calendar], []))).toEqual([
      'calendars.1.id: duplicate calendar id "c"',
    ]);
  });
});
