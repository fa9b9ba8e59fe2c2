import { completeHistory, toIsoTime } from './ticket-history';

describe('toIsoTime', () => {
  it.each([
    ['2024-01-15T10:30:00.000+0000', '2024-01-15T10:30:00.000Z'],
    ['2024-01-15T13:30:00+03:00', '2024-01-15T10:30:00.000Z'],
    ['2024-01-15 10:30:00', '2024-01-15T10:30:00.000Z'],
    ['2024-01-15 10:30', '2024-01-15T10:30:00.000Z'],
    [1705314600000, '2024-01-15T10:30:00.000Z'],
    [1705314600, '2024-01-15T10:30:00.000Z'],
  ])('reads %p', (value, iso) => {
    expect(toIsoTime(value)).toBe(iso);
  });

  it('reads times without an offset in the given zone', () => {
    expect(toIsoTime('2024-01-15 13:30:00', 'Europe/Moscow')).toBe('2024-01-15T10:30:00.000Z');
    expect(toIsoTime('2024-01-15T13:30:00', 'Europe/Moscow')).toBe('2024-01-15T10:30:00.000Z');
  });

  it.each([[''], ['yesterday'], [null], [{}], [Number.NaN], ['2024-13-40 10:00:00']])(
    'refuses %p',
    (value) => {
      expect(toIsoTime(value)).toBeUndefined();
    },
  );
});

describe('completeHistory', () => {
  const createdAt = '2024-01-01T00:00:00.000Z';

  it('opens the history with the values the first changes started from', () => {
    const changes = [
      { at: '2024-01-01T02:00:00.000Z', field: 'assignment_group' as const, from: 'L1', to: 'L2' },
      { at: '2024-01-01T01:00:00.000Z', field: 'status' as const, from: 'Open', to: 'In Progress' },
    ];
    expect(
      completeHistory(changes, { createdAt, status: 'In Progress', assignmentGroup: 'L2' }),
    ).toEqual([
      { at: createdAt, field: 'status', from: null, to: 'Open' },
      { at: createdAt, field: 'assignment_group', from: null, to: 'L1' },
      changes[1],
      changes[0],
    ]);
  });

  it('starts unchanged fields with their current value and skips an empty group', () => {
    expect(completeHistory([], { createdAt, status: 'Open', assignmentGroup: null })).toEqual([
      { at: createdAt, field: 'status', from: null, to: 'Open' },
    ]);
  });

  it('keeps recorded openings and the order of changes at the same time', () => {
    const changes = [
      { at: createdAt, field: 'status' as const, from: null, to: 'New' },
      { at: '2024-01-01T01:00:00.000Z', field: 'status' as const, from: 'New', to: 'Hold' },
      { at: '2024-01-01T01:00:00.000Z', field: 'status' as const, from: 'Hold', to: 'Work' },
      { at: '2024-01-01T03:00:00.000Z', field: 'assignment_group' as const, from: null, to: 'L1' },
    ];
    expect(completeHistory(changes, { createdAt, status: 'Work', assignmentGroup: 'L1' })).toEqual(
      changes,
    );
  });

  it('opens at the first change when that comes before the recorded creation time', () => {
    const early = {
      at: '2023-12-31T23:59:00.000Z',
      field: 'status' as const,
      from: 'Open',
      to: 'Closed',
    };
    expect(
      completeHistory([early], { createdAt, status: 'Closed', assignmentGroup: null })[0],
    ).toEqual({
      at: early.at,
      field: 'status',
      from: null,
      to: 'Open',
    });
  });
});
