import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsString, validateSync, ValidateNested } from 'class-validator';
import { classifyResponse } from '../integration';
import {
  basicAuthorization,
  classifyRedacted,
  configChangeVariables,
  deliverEachWithReferences,
  describeError,
  describeValidationErrors,
  fieldValue,
  isHttpUrl,
  jsonApiHeaders,
  maskSecrets,
  objectEntries,
  parseIntegrationConfig,
  parseJsonBody,
  placeholderValues,
  redactWebhookUrl,
  renderPlaceholders,
  subjectMatcher,
  subjectMatches,
} from './integration-support';
import { sampleNotification as notification } from './notification.fixture';

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

describe('maskSecrets', () => {
  it('replaces every occurrence of each non-empty secret', () => {
    expect(maskSecrets('a tok b tok key', ['tok', undefined, '', 'key'], '[REDACTED]')).toBe(
      'a [REDACTED] b [REDACTED] [REDACTED]',
    );
    expect(maskSecrets('token=abc', ['abc'])).toBe('token=***');
  });
});

describe('classifyRedacted', () => {
  const redact = (text: string) => maskSecrets(text, ['s3cret'], '[REDACTED]');
  it('redacts the reason of what is not delivered', () => {
    const outcome = classifyRedacted({ status: 400, headers: {}, body: 'bad s3cret' }, redact);
    expect(outcome.result).toBe('failed');
    expect(outcome.result !== 'delivered' && outcome.reason).not.toContain('s3cret');
  });
  it('passes delivered outcomes through', () => {
    expect(classifyRedacted({ status: 201, headers: {}, body: '' }, redact)).toEqual(
      classifyResponse({ status: 201, headers: {}, body: '' }),
    );
  });
});

describe('deliverEachWithReferences', () => {
  const http = jest.fn();
  it('joins references and keeps the last status', async () => {
    const outcome = await deliverEachWithReferences(
      [notification({ id: 'a' }), notification({ id: 'b' })],
      http,
      (n) =>
        Promise.resolve({
          result: 'delivered' as const,
          status: n.id === 'a' ? 200 : 201,
          reference: n.id,
        }),
    );
    expect(outcome).toEqual({ result: 'delivered', status: 201, reference: 'a,b' });
  });
  it('stops at the first outcome that is not delivered', async () => {
    const deliverOne = jest.fn(() =>
      Promise.resolve({ result: 'retry' as const, status: 503, reason: 'HTTP 503' }),
    );
    const outcome = await deliverEachWithReferences(
      [notification({ id: 'a' }), notification({ id: 'b' })],
      http,
      deliverOne,
    );
    expect(outcome.result).toBe('retry');
    expect(deliverOne).toHaveBeenCalledTimes(1);
  });
  it('answers 200 without a reference for nothing', async () => {
    expect(await deliverEachWithReferences([], http, jest.fn())).toEqual({
      result: 'delivered',
      status: 200,
      reference: undefined,
    });
  });
});

describe('describeValidationErrors', () => {
  class Inner {
    @IsString()
    name!: string;
  }
  class Outer {
    @IsString()
    title!: string;

    @ValidateNested()
    @Type(() => Inner)
    inner!: Inner;
  }
  it('names nested properties with dotted paths, never values', () => {
    const instance = plainToInstance(Outer, { title: 7, inner: { name: 9 } });
    expect(describeValidationErrors(validateSync(instance), 'x.')).toEqual([
      'x.title: title must be a string',
      'x.inner.name: name must be a string',
    ]);
  });
});

describe('objectEntries / parseJsonBody / fieldValue', () => {
  it('lists entries of plain objects only', () => {
    expect(objectEntries({ a: 1 })).toEqual([['a', 1]]);
    expect(objectEntries([1])).toEqual([]);
    expect(objectEntries(null)).toEqual([]);
  });
  it('parses JSON or answers undefined', () => {
    expect(parseJsonBody('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonBody('<html>')).toBeUndefined();
  });
  it('finds a field by any of its names, case-insensitively', () => {
    const n = notification({ fields: [{ name: 'New Value', value: '42' }] });
    expect(fieldValue(n, 'Value', 'new value')).toBe('42');
    expect(fieldValue(n, 'Key')).toBeUndefined();
  });
});

describe('placeholderValues / renderPlaceholders', () => {
  const n = notification({
    fields: [{ name: 'Old Value', value: '1' }],
    labels: { owner: 'noc' },
    site: undefined,
  });
  it('offers properties, extras, fields (also snake_case) and labels', () => {
    const values = placeholderValues(n, { count: '3' });
    expect(values.get('id')).toBe(n.id);
    expect(values.get('count')).toBe('3');
    expect(values.get('Old Value')).toBe('1');
    expect(values.get('old_value')).toBe('1');
    expect(values.get('owner')).toBe('noc');
    expect(values.has('site')).toBe(false);
  });
  it('leaves unknown placeholders to the caller', () => {
    const values = placeholderValues(n);
    expect(renderPlaceholders('{owner}/{site}', values, (whole) => whole)).toBe('noc/{site}');
    expect(renderPlaceholders('{owner}/{site}', values, () => '')).toBe('noc/');
  });
});

describe('configChangeVariables / subjectMatches', () => {
  it('prefers labels, then fields, then the subject', () => {
    expect(
      configChangeVariables(
        notification({
          subject: 'app.db.host',
          labels: { changed_by: 'ana' },
          fields: [{ name: 'New Value', value: 'db2' }],
        }),
      ),
    ).toEqual({ CONFIG_KEY: 'app.db.host', CONFIG_VALUE: 'db2', USER_ID: 'ana' });
  });
  it('matches dotted globs', () => {
    expect(subjectMatches(['*.database.*'], 'app.database.host')).toBe(true);
    expect(subjectMatches(['*.database.*'], 'a.b.database.host')).toBe(false);
    expect(subjectMatches([], 'app.database.host')).toBe(false);
  });
});

describe('basicAuthorization / jsonApiHeaders', () => {
  it('encodes user:password and adds the JSON API headers', () => {
    expect(basicAuthorization('ana@x.io/token', 'k:1')).toBe(
      `Basic ${Buffer.from('ana@x.io/token:k:1').toString('base64')}`,
    );
    expect(jsonApiHeaders({ 'private-token': 't' })).toEqual({
      'private-token': 't',
      accept: 'application/json',
      'user-agent': 'TelcoMesh-Notifier',
    });
  });
});
