import { validateConnectionConfig } from '../connection-config';
import { ItemError } from '../item-fields';
import { alarmOf, compileRestMapping, mapPage, metricOf, nextLinkOf } from './rest-mapping';
import { RestPollingConfig } from './rest-polling-config';

function mappingOf(raw: Record<string, unknown>) {
  return compileRestMapping(
    validateConnectionConfig(
      RestPollingConfig,
      {
        base_url: 'https://api.example.net',
        authentication: { type: 'basic', username: 'u', password: 'p' },
        endpoint: '/x',
        ...raw,
      },
      'rest_api',
    ),
  );
}

const BODY = {
  meta: { total: 3, next: 'c-2' },
  data: {
    kpis: [
      {
        site: { code: 'SITE-001' },
        cell: 'C1',
        kpi: 'THROUGHPUT',
        val: '150.5',
        ts: '2024-01-15T10:30:00Z',
      },
      { site: { code: 'SITE-002' }, cell: 'C2', kpi: 'Latency', val: 12, ts: 1705314600000 },
      {
        site: { code: 'SITE-003' },
        cell: 'C3',
        kpi: 'LATENCY',
        val: 'n/a',
        ts: '2024-01-15T10:30:00Z',
      },
    ],
  },
};

describe('REST JSONata mapping', () => {
  const metrics = mappingOf({
    record_kind: 'metric',
    items: 'data.kpis',
    fields: {
      site_id: 'site.code',
      managed_object: 'cell',
      name: '$lowercase(kpi)',
      value: 'val',
      unit: "$lowercase(kpi) = 'latency' ? 'ms' : 'Mbps'",
      timestamp: 'ts',
      labels: '{"total_in_answer": $string($body.meta.total)}',
    },
    paging: { type: 'cursor', next_cursor: 'meta.next', total: 'meta.total' },
  });

  it('evaluates items, each field (with $body bound) and the paging expressions', async () => {
    const page = await mapPage(metrics, BODY);
    expect(page).toMatchObject({ total: 3, nextCursor: 'c-2' });
    expect(page.items).toHaveLength(3);
    expect(metricOf(page.items[0])).toEqual({
      kind: 'metric',
      siteId: 'SITE-001',
      managedObject: 'C1',
      name: 'throughput',
      value: 150.5,
      unit: 'Mbps',
      timestamp: new Date('2024-01-15T10:30:00Z'),
      technology: '',
      quality: 1,
      labels: { total_in_answer: '3' },
      raw: BODY.data.kpis[0],
    });
    expect(metricOf(page.items[1])).toMatchObject({ name: 'latency', value: 12, unit: 'ms' });
    expect(() => metricOf(page.items[2])).toThrow(new ItemError('value is "n/a", not a number'));
  });

  it('a single object where a list was expected is one item; nothing is no item', async () => {
    expect((await mapPage(metrics, { data: { kpis: BODY.data.kpis[0] } })).items).toHaveLength(1);
    const empty = await mapPage(metrics, { data: {} });
    expect(empty.items).toEqual([]);
    expect(empty.nextCursor).toBeUndefined();
  });

  it('an expression failing on one item refuses that item only, naming the field', async () => {
    const strict = mappingOf({
      record_kind: 'metric',
      items: 'data.kpis',
      fields: { site_id: 'site.code', name: 'kpi', value: '$number(val)', timestamp: 'ts' },
    });
    const page = await mapPage(strict, BODY);
    expect(page.items[0].values).toMatchObject({ value: 150.5 });
    expect(page.items[2].error).toMatch(/^fields\.value: /);
    expect(() => metricOf(page.items[2])).toThrow(ItemError);
  });

  it('an items expression that fails makes the page unreadable', async () => {
    const broken = mappingOf({
      record_kind: 'metric',
      items: '$error("no list here")',
      fields: { site_id: 'a', name: 'b', value: 'c', timestamp: 'd' },
    });
    expect(await mapPage(broken, BODY)).toEqual({ items: [], error: 'items: no list here' });
  });

  it('maps alarms with X.733 fields; cleared when cleared_at is set', async () => {
    const alarms = mappingOf({
      record_kind: 'alarm',
      fields: {
        alarm_id: 'id',
        severity: 'sev',
        site_id: 'site',
        raised_at: 'raised',
        cleared_at: 'cleared',
        title: 'name',
        alarm_type: 'category',
        acknowledged: 'ack',
      },
    });
    const page = await mapPage(alarms, [
      {
        id: 'A1',
        sev: 'major',
        site: 'SITE-001',
        raised: '2024-01-15T10:00:00Z',
        name: 'Mains failure',
        category: 'ENVIRONMENTAL_ALARM',
        ack: false,
      },
      {
        id: 'A2',
        sev: 'minor',
        site: 'SITE-002',
        raised: '2024-01-15T09:00:00Z',
        cleared: '2024-01-15T09:30:00Z',
      },
      { id: 'A3', sev: 'apocalyptic', site: 'SITE-003', raised: '2024-01-15T09:00:00Z' },
      { id: 'A4', sev: 'minor', site: 'SITE-003', raised: '2024-01-15T09:00:00Z', ack: 'maybe' },
    ]);
    expect(alarmOf(page.items[0], 'REST')).toMatchObject({
      alarmId: 'A1',
      severity: 'MAJOR',
      alarmType: 'ENVIRONMENTAL',
      state: 'raised',
      acknowledged: false,
      title: 'Mains failure',
      eventTime: new Date('2024-01-15T10:00:00Z'),
      sourceSystem: 'REST',
    });
    expect(alarmOf(page.items[1], 'REST')).toMatchObject({
      state: 'cleared',
      severity: 'CLEARED',
      eventTime: new Date('2024-01-15T09:30:00Z'),
      changedAt: new Date('2024-01-15T09:30:00Z'),
    });
    expect(() => alarmOf(page.items[2], 'REST')).toThrow(
      'severity is "apocalyptic", not an X.733 severity',
    );
    expect(() => alarmOf(page.items[3], 'REST')).toThrow(
      'acknowledged is "maybe", not true or false',
    );
  });

  it('reads rel="next" out of a Link header', () => {
    expect(nextLinkOf('<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"')).toBe(
      'https://a/x?page=3',
    );
    expect(nextLinkOf('<https://a/x?page=1>; rel="first"')).toBeUndefined();
    expect(nextLinkOf(undefined)).toBeUndefined();
  });
});
