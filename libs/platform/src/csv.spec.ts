import { csvCell, csvHeader, csvRows } from './csv';

describe('CSV export', () => {
  it('quotes only what needs quoting and doubles inner quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
  });

  it('writes dates as ISO-8601, empty for null, numbers as they are', () => {
    expect(csvCell(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('2026-01-02T03:04:05.000Z');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12.5)).toBe('12.5');
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('neutralises spreadsheet formulas but keeps signed numbers and E.164', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('+33612345678')).toBe('+33612345678');
    expect(csvCell('-12')).toBe('-12');
  });

  it('renders a header and rows with CRLF line ends', () => {
    const columns = [
      { header: 'id', value: (r: { id: number; name: string }) => r.id },
      { header: 'name', value: (r: { id: number; name: string }) => r.name },
    ];
    expect(csvHeader(columns) + csvRows(columns, [{ id: 1, name: 'a, b' }])).toBe(
      'id,name\r\n1,"a, b"\r\n',
    );
  });
});
