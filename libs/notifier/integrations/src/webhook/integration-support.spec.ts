import { IsString } from 'class-validator';
import {
  describeError,
  isHttpUrl,
  parseIntegrationConfig,
  redactWebhookUrl,
  subjectMatcher,
} from './integration-support';

describe('subjectMatcher', () => {
  it('treats . as a segment separator', () => {
    const critical = subjectMatcher(['*.database.*', '*.security.*']);
    expect(critical('app.database.host')).toBe(true);
    expect(critical('app.security.tls')).toBe(true);
    expect(critical('a.b.database.host')).toBe(false);
    expect(critical('app.database')).toBe(false);
    expect(critical('app.databases.host')).toBe(false);
    expect(subjectMatcher(['**.database.**'])('a.b.database.x.y')).toBe(true);
    expect(subjectMatcher(['alarm.*.cell_down'])('alarm.site-001.cell_down')).toBe(true);
  });

  it('matches nothing without patterns', () => {
    expect(subjectMatcher([])('app.database.host')).toBe(false);
  });
});

describe('redaction', () => {
  it('keeps scheme and host of a webhook URL only', () => {
    expect(redactWebhookUrl('https://hooks.slack.com/services/T0/B0/sEcReT?x=1')).toBe(
      'https://hooks.slack.com/***',
    );
    expect(redactWebhookUrl('not a url sEcReT')).toBe('***');
  });

  it('masks every secret in a thrown error', () => {
    expect(
      describeError(new TypeError('fetch failed: https://h/x/k1 k2'), ['k1', 'k2', undefined]),
    ).toBe('TypeError: fetch failed: https://h/x/*** ***');
  });

  it('accepts http(s) URLs only', () => {
    expect(isHttpUrl('http://127.0.0.1:8080/x')).toBe(true);
    expect(isHttpUrl('ftp://x')).toBe(false);
    expect(isHttpUrl(42)).toBe(false);
  });
});

class Sample {
  @IsString()
  token!: string;

  @IsString()
  name!: string;
}

describe('parseIntegrationConfig', () => {
  it('lists every bad and unknown field, marks secrets redacted', () => {
    expect(() => parseIntegrationConfig('x', Sample, { token: 1, extra: true }, ['token'])).toThrow(
      'invalid x config: extra: property extra should not exist, name: name must be a string, token: token must be a string (value redacted)',
    );
  });

  it('refuses non-objects', () => {
    expect(() => parseIntegrationConfig('x', Sample, 'nope', [])).toThrow(
      'invalid x config: expected an object',
    );
  });
});
