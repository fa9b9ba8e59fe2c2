import { BusinessCalendar } from './business-calendar';
import { SlaDefinitionError } from './sla-errors';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);

const EVERY_DAY = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const WEEKDAYS = EVERY_DAY.slice(0, 5);

function calendar(
  timeZone: string,
  windows: [string, string][],
  options: { days?: string[]; holidays?: Record<string, string>[] } = {},
): BusinessCalendar {
  const days = options.days ?? EVERY_DAY;
  return BusinessCalendar.fromDefinition({
    id: 'test',
    timeZone,
    weeklyHours: Object.fromEntries(
      days.map((day) => [day, windows.map(([start, end]) => ({ start, end }))]),
    ),
    holidays: options.holidays ?? [],
  });
}

function problemsOf(raw: unknown): readonly string[] {
  try {
    BusinessCalendar.fromDefinition(raw);
  } catch (error) {
    if (error instanceof SlaDefinitionError) return error.problems;
    throw error;
  }
  throw new Error('definition was accepted');
}

describe('BusinessCalendar on DST change days', () => {
  describe('Europe/Paris', () => {
    // 2025-03-30: 02:00 CET jumps to 03:00 CEST. 2025-10-26: 03:00 CEST falls back to 02:00 CET.
    const springDay = [at('2025-03-30T00:00:00+01:00'), at('2025-03-31T00:00:00+02:00')] as const;
    const fallDay = [at('2025-10-26T00:00:00+02:00'), at('2025-10-27T00:00:00+01:00')] as const;

    it('counts a 09:00–18:00 day as 9 hours on both change days', () => {
      const office = calendar('Europe/Paris', [['09:00', '18:00']]);
      expect(office.businessMillisBetween(...springDay)).toBe(9 * HOUR);
      expect(office.businessMillisBetween(...fallDay)).toBe(9 * HOUR);
      expect(office.addBusinessMillis(at('2025-03-30T09:00:00+02:00'), 9 * HOUR)).toBe(
        at('2025-03-30T18:00:00+02:00'),
      );
    });

    it('reads a night window spanning the change in wall-clock time', () => {
      const night = calendar('Europe/Paris', [['01:00', '04:00']]);
      // 01:00–02:00 CET, then 03:00–04:00 CEST: the hour 02:00–03:00 never happens.
      expect(night.businessMillisBetween(...springDay)).toBe(2 * HOUR);
      // 01:00–03:00 CEST, then 02:00–04:00 CET: the repeated hour counts twice.
      expect(night.businessMillisBetween(...fallDay)).toBe(4 * HOUR);
      // From 01:30 CET, 30 min lead to the jump, the next 30 min end at 03:30 CEST.
      expect(night.addBusinessMillis(at('2025-03-30T01:30:00+01:00'), HOUR)).toBe(
        at('2025-03-30T03:30:00+02:00'),
      );
    });

    it('clips a window in the skipped hour and doubles one in the repeated hour', () => {
      expect(
        calendar('Europe/Paris', [['02:00', '02:30']]).businessMillisBetween(...springDay),
      ).toBe(0);
      expect(
        calendar('Europe/Paris', [['01:30', '02:30']]).businessMillisBetween(...springDay),
      ).toBe(30 * MINUTE);
      expect(calendar('Europe/Paris', [['02:15', '02:45']]).businessMillisBetween(...fallDay)).toBe(
        HOUR,
      );
    });
  });

  describe('America/New_York', () => {
    // 2025-03-09: 02:00 EST jumps to 03:00 EDT. 2025-11-02: 02:00 EDT falls back to 01:00 EST.
    const springDay = [at('2025-03-09T00:00:00-05:00'), at('2025-03-10T00:00:00-04:00')] as const;
    const fallDay = [at('2025-11-02T00:00:00-04:00'), at('2025-11-03T00:00:00-05:00')] as const;

    it('counts a 09:00–17:00 day as 8 hours on both change days', () => {
      const office = calendar('America/New_York', [['09:00', '17:00']]);
      expect(office.businessMillisBetween(...springDay)).toBe(8 * HOUR);
      expect(office.businessMillisBetween(...fallDay)).toBe(8 * HOUR);
    });

    it('counts 00:00–03:00 as 2 hours in spring and 4 hours in fall', () => {
      const night = calendar('America/New_York', [['00:00', '03:00']]);
      expect(night.businessMillisBetween(...springDay)).toBe(2 * HOUR);
      expect(night.businessMillisBetween(...fallDay)).toBe(4 * HOUR);
      // 3 h from midnight EDT on the fall day: 00–01 EDT, 01–02 EDT, 01–02 EST.
      expect(night.addBusinessMillis(fallDay[0], 3 * HOUR)).toBe(at('2025-11-02T02:00:00-05:00'));
    });
  });
});

describe('BusinessCalendar working hours', () => {
  const office = calendar(
    'Europe/Paris',
    [
      ['09:00', '13:00'],
      ['14:00', '18:00'],
    ],
    {
      days: WEEKDAYS,
      holidays: [{ date: '2025-07-14' }, { date: '2025-12-31', start: '14:00', end: '24:00' }],
    },
  );

  it('skips the lunch break, the evening and the weekend', () => {
    expect(office.addBusinessMillis(at('2025-06-13T12:30:00+02:00'), HOUR)).toBe(
      at('2025-06-13T14:30:00+02:00'),
    );
    // Friday 17:30 + 1 h: 30 min on Friday, 30 min on Monday.
    expect(office.addBusinessMillis(at('2025-06-13T17:30:00+02:00'), HOUR)).toBe(
      at('2025-06-16T09:30:00+02:00'),
    );
    expect(
      office.businessMillisBetween(
        at('2025-06-13T00:00:00+02:00'),
        at('2025-06-17T00:00:00+02:00'),
      ),
    ).toBe(16 * HOUR);
  });

  it('is due at the end of a window when the budget runs out there', () => {
    expect(office.addBusinessMillis(at('2025-06-13T17:00:00+02:00'), HOUR)).toBe(
      at('2025-06-13T18:00:00+02:00'),
    );
    expect(office.addBusinessMillis(at('2025-06-14T11:00:00+02:00'), 0)).toBe(
      at('2025-06-14T11:00:00+02:00'),
    );
  });

  it('closes a full holiday and the closed part of a short day', () => {
    // Friday 2025-07-11 17:00 + 2 h: 1 h Friday, Monday 14 July is a holiday, 1 h Tuesday.
    expect(office.addBusinessMillis(at('2025-07-11T17:00:00+02:00'), 2 * HOUR)).toBe(
      at('2025-07-15T10:00:00+02:00'),
    );
    expect(
      office.businessMillisBetween(
        at('2025-12-31T00:00:00+01:00'),
        at('2026-01-01T00:00:00+01:00'),
      ),
    ).toBe(4 * HOUR);
    expect(office.isWorkingInstant(at('2025-12-31T12:59:00+01:00'))).toBe(true);
    expect(office.isWorkingInstant(at('2025-12-31T14:00:00+01:00'))).toBe(false);
  });

  it('gives the same answers after its table grows backwards and forwards', () => {
    const from = at('2025-06-02T10:00:00+02:00');
    const to = at('2025-06-20T10:00:00+02:00');
    const fresh = office.businessMillisBetween(from, to);
    expect(fresh).toBe(14 * 8 * HOUR);
    // Years away in both directions, then back: the cached table is rebuilt around them.
    const longBefore = office.businessMillisBetween(at('2019-01-07T00:00:00Z'), from);
    const longAfter = office.businessMillisBetween(to, at('2031-01-06T00:00:00Z'));
    expect(office.businessMillisBetween(from, to)).toBe(fresh);
    expect(
      office.businessMillisBetween(at('2019-01-07T00:00:00Z'), at('2031-01-06T00:00:00Z')),
    ).toBe(longBefore + fresh + longAfter);
    expect(office.addBusinessMillis(from, fresh)).toBe(to);
  });

  it('refuses instants outside 2000–2100 and negative budgets', () => {
    expect(() => office.businessMillisBetween(Number.NaN, at('2025-06-13T12:00:00Z'))).toThrow(
      RangeError,
    );
    expect(() => office.businessMillisBetween(0, at('2025-06-13T12:00:00Z'))).toThrow(
      /between 2000 and 2100/,
    );
    expect(() =>
      office.businessMillisBetween(at('2025-06-13T12:00:00Z'), at('2100-01-01T00:00:00Z')),
    ).toThrow(/between 2000 and 2100/);
    expect(() => office.addBusinessMillis(at('2025-06-13T12:00:00Z'), -1)).toThrow(/budget/);
  });
});

describe('BusinessCalendar 24x7', () => {
  it('counts plain elapsed time without a table', () => {
    const noc = BusinessCalendar.fromDefinition({
      id: 'noc',
      timeZone: 'Europe/Paris',
      alwaysOpen: true,
    });
    expect(noc.isContinuous).toBe(true);
    const from = at('2025-03-29T12:00:00Z');
    expect(noc.businessMillisBetween(from, from + 50 * HOUR)).toBe(50 * HOUR);
    expect(noc.addBusinessMillis(from, 50 * HOUR)).toBe(from + 50 * HOUR);
  });

  it('closes a holiday by the local date, 23 hours on a spring-forward day', () => {
    const noc = BusinessCalendar.fromDefinition({
      id: 'noc',
      timeZone: 'Europe/Paris',
      alwaysOpen: true,
      holidays: [{ date: '2025-03-30' }],
    });
    expect(noc.isContinuous).toBe(false);
    expect(
      noc.businessMillisBetween(at('2025-03-29T00:00:00+01:00'), at('2025-04-01T00:00:00+02:00')),
    ).toBe(48 * HOUR);
    expect(noc.addBusinessMillis(at('2025-03-29T23:00:00+01:00'), 2 * HOUR)).toBe(
      at('2025-03-31T01:00:00+02:00'),
    );
  });
});

describe('BusinessCalendar definition', () => {
  const valid = {
    id: 'office',
    timeZone: 'Europe/Moscow',
    weeklyHours: { monday: [{ start: '09:00', end: '18:00' }] },
  };

  it('accepts a valid definition', () => {
    expect(BusinessCalendar.fromDefinition(valid).timeZone).toBe('Europe/Moscow');
  });

  it.each([
    [{ ...valid, timeZone: 'Europe/Mosow' }, 'timeZone: timeZone must be an IANA time zone'],
    [{ ...valid, hours: '24x7' }, 'hours: property hours should not exist'],
    [
      { ...valid, weeklyHours: { monday: [{ start: '9:00', end: '18:00' }] } },
      'weeklyHours.monday.0.start: start must be a wall-clock time HH:MM',
    ],
    [
      { ...valid, weeklyHours: { monday: [{ start: '18:00', end: '09:00' }] } },
      'weeklyHours.monday.0.end: must be after start (18:00)',
    ],
    [
      {
        ...valid,
        weeklyHours: {
          friday: [
            { start: '09:00', end: '13:00' },
            { start: '12:00', end: '18:00' },
          ],
        },
      },
      'weeklyHours.friday.1: overlaps the window 09:00–13:00',
    ],
    [
      { ...valid, weeklyHours: { monday: [] } },
      'weeklyHours: at least one day needs a working window',
    ],
    [{ id: 'x', timeZone: 'UTC' }, 'weeklyHours: required unless alwaysOpen is true'],
    [{ ...valid, alwaysOpen: true }, 'weeklyHours: must be absent when alwaysOpen is true'],
    [
      { ...valid, holidays: [{ date: '2025-02-30' }] },
      'holidays.0.date: date must be a calendar date',
    ],
    [
      { ...valid, holidays: [{ date: '2025-12-31', start: '14:00' }] },
      'holidays.0: start and end must be given together',
    ],
  ])('names the bad field: %j', (raw, expected) => {
    expect(problemsOf(raw).join('\n')).toContain(expected);
  });

  it('reports the calendar id and every problem in the message', () => {
    expect(() =>
      BusinessCalendar.fromDefinition({ id: 'msk', timeZone: 'Nowhere/City', weeklyHours: 3 }),
    ).toThrow(/business calendar "msk": invalid definition \(2 problems\)/);
    expect(problemsOf('office')).toEqual(['(root): must be an object']);
  });
});
