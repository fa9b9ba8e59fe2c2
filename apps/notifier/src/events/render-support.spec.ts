import { durationFromMs, timestampFromMs } from '@telcomesh/contracts';
import { at, envelope } from './events.fixture';
import {
  byEnum,
  firstTime,
  formatAmount,
  formatDuration,
  formatTime,
  metadataFields,
  notification,
  segment,
  slug,
  tail,
  withoutSecrets,
  type NotificationDraft,
} from './render-support';

describe('subject segments', () => {
  it('slugs free text and keeps identifiers, never leaving a dot inside a segment', () => {
    expect(slug('  Equipment Failure / AC ')).toBe('equipment_failure_ac');
    expect(slug(' -- ')).toBe('unknown');
    expect(slug('', 'unassigned')).toBe('unassigned');
    expect(segment('site-001')).toBe('site-001');
    expect(segment('NOC-1234')).toBe('NOC-1234');
    expect(segment('site.002/b c')).toBe('site_002_b_c');
    expect(segment('  ')).toBe('unknown');
  });
});

describe('times and amounts', () => {
  it('formats durations with their two largest units', () => {
    expect(
      [0, 500, 45_000, 200_000, 12_000_000, 14_430_000, 93_600_000].map((ms) =>
        formatDuration(durationFromMs(ms)),
      ),
    ).toEqual(['0s', '500ms', '45s', '3m 20s', '3h 20m', '4h', '1d 2h']);
    expect(formatDuration(undefined)).toBe('');
  });

  it('takes the first set timestamp, treating a zero one as unset', () => {
    const fallback = new Date('2025-01-01T15:00:00Z');
    expect(
      firstTime([undefined, timestampFromMs(0), at('2025-01-01T12:00:00Z')], fallback),
    ).toEqual(new Date('2025-01-01T12:00:00Z'));
    expect(firstTime([undefined, timestampFromMs(0)], fallback)).toBe(fallback);
    expect(formatTime(at('2025-01-01T12:00:00.750Z'))).toBe('2025-01-01 12:00:00 UTC');
    expect(formatTime(undefined)).toBe('');
  });

  it('formats amounts for people', () => {
    expect(formatAmount(1234.567, 'Mbps')).toBe('1,234.57 Mbps');
    expect(formatAmount(12.5, '%')).toBe('12.5%');
    expect(formatAmount(3, ' ')).toBe('3');
    expect(formatAmount(Number.NaN, 's')).toBe('NaN s');
  });

  it('keeps the end of long output', () => {
    expect(tail('  short  ', 10)).toBe('short');
    expect(tail('0123456789abc', 5)).toBe('…9abc');
  });

  it('looks enum values up, falling back for values from a newer producer', () => {
    const map = { 0: 'zero', 1: 'one' };
    expect([byEnum(map, 1, 'other'), byEnum(map, 7, 'other')]).toEqual(['one', 'other']);
  });
});

describe('withoutSecrets', () => {
  it('masks URL credentials, secret pairs and bearer tokens', () => {
    expect(withoutSecrets('GET https://svc:s3cr3t@api.example/x failed')).toBe(
      'GET https://[REDACTED]@api.example/x failed',
    );
    expect(withoutSecrets('password=hunter2 token: abc api_key="k-1"')).toBe(
      'password=[REDACTED] token: [REDACTED] api_key="[REDACTED]"',
    );
    expect(withoutSecrets('{"client_secret":"cs","user":"bob"}')).toBe(
      '{"client_secret":"[REDACTED]","user":"bob"}',
    );
    expect(withoutSecrets('Authorization: Bearer eyJhbGciOi.x-y_z')).toBe(
      'Authorization: Bearer [REDACTED]',
    );
  });

  it('leaves ordinary text alone', () => {
    const plain = 'token expired for https://api.example/x; password policy changed';
    expect(withoutSecrets(plain)).toBe(plain);
  });
});

describe('metadataFields', () => {
  it('adds sorted, readable metadata without secrets, blanks or repeats', () => {
    const metadata: Record<string, string> = {
      vendor_code: '9175',
      cell_id: ' C-17 ',
      site: 'site-001',
      api_token: 't0k3n',
      read_community: 'public',
      empty: '  ',
    };
    expect(metadataFields(metadata, [['Site', 'site-001']])).toStrictEqual([
      ['Cell ID', 'C-17'],
      ['Vendor Code', '9175'],
    ]);
  });

  it('adds at most ten', () => {
    const metadata = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']),
    );
    expect(metadataFields(metadata, []).map(([name]) => name)).toEqual([
      'K00',
      'K01',
      'K02',
      'K03',
      'K04',
      'K05',
      'K06',
      'K07',
      'K08',
      'K09',
    ]);
  });
});

describe('notification', () => {
  const draft: NotificationDraft = {
    envelope: envelope(),
    condition: 'alarm:src:A-1',
    kind: 'alarm',
    subject: 'alarm.site-001.cause',
    title: '  Cell\n down ',
    summary: ' Line one\nline two  password=x ',
    severity: 'major',
    status: 'firing',
    tenant: '  ',
    site: ' site-001 ',
    fields: [
      ['Kept', '  value  '],
      ['Blank', '   '],
      ['Missing', undefined],
    ],
    labels: { keep: ' yes ', blank: '', missing: undefined, condition: 'spoofed' },
    occurredAt: new Date('2025-01-01T14:00:00Z'),
    url: 'ftp://example.com/file',
  };

  it('normalises a draft: trimmed text, blanks left out, the condition as label and dedup key', () => {
    expect(notification(draft)).toStrictEqual({
      id: 'evt-7f3a',
      kind: 'alarm',
      subject: 'alarm.site-001.cause',
      title: 'Cell down',
      summary: 'Line one line two password=[REDACTED]',
      severity: 'major',
      status: 'firing',
      site: 'site-001',
      fields: [{ name: 'Kept', value: 'value' }],
      labels: { keep: 'yes', condition: 'alarm:src:A-1', dedup_key: 'alarm:src:A-1' },
      occurredAt: new Date('2025-01-01T14:00:00Z'),
      count: 1,
    });
  });

  it('keeps an http(s) link', () => {
    expect(notification({ ...draft, url: ' https://t.example/a b ' }).url).toBe(
      'https://t.example/a%20b',
    );
  });
});
