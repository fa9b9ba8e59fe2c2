import { MessageBuffer } from './message-buffer';
import { messageMetrics, type ReceivedMessage } from './mqtt-messages';
import { matchTopic, topicFilterProblem } from './mqtt-topics';

const FILTERS = ['telcomesh/sites/+/energy/#'];
const RECEIVED = Date.parse('2024-01-15T10:31:00Z');

function message(topic: string, payload: unknown): ReceivedMessage {
  return {
    topic,
    payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    receivedAt: RECEIVED,
  };
}

describe('MQTT topics', () => {
  it('validates filters as MQTT 3.1.1 does', () => {
    expect(topicFilterProblem('telcomesh/sites/+/energy/#')).toBeUndefined();
    expect(topicFilterProblem('#')).toBeUndefined();
    expect(topicFilterProblem('telcomesh/#/energy')).toBe(
      '"#" must be a whole level and the last one',
    );
    expect(topicFilterProblem('telcomesh/sites/site+/energy')).toBe('"+" must be a whole level');
    expect(topicFilterProblem('')).toBe('is empty');
  });

  it('reads the site from the first + and the sensor from the levels under #', () => {
    expect(matchTopic(FILTERS[0], 'telcomesh/sites/SITE-001/energy/power/rect-1')).toEqual({
      site: 'SITE-001',
      rest: ['power', 'rect-1'],
    });
    expect(matchTopic(FILTERS[0], 'telcomesh/sites/SITE-001/energy')).toEqual({
      site: 'SITE-001',
      rest: [],
    });
    expect(matchTopic(FILTERS[0], 'telcomesh/sites/SITE-001/alarms/x')).toBeUndefined();
    expect(matchTopic('telcomesh/+/x', 'telcomesh/a/x/y')).toBeUndefined();
    expect(matchTopic('+/sites/#', '$SYS/sites/x')).toBeUndefined();
  });
});

describe('MQTT energy messages', () => {
  it('maps one reading, taking what the payload leaves out from the topic', () => {
    const outcome = messageMetrics(
      message('telcomesh/sites/SITE-001/energy/power/rect-1', {
        value: 2.3,
        unit: 'kW',
        timestamp: '2024-01-15T10:30:00Z',
      }),
      FILTERS,
    );
    expect(outcome.rejected).toEqual([]);
    expect(outcome.records).toEqual([
      expect.objectContaining({
        siteId: 'SITE-001',
        managedObject: 'rect-1',
        name: 'power',
        value: 2300,
        unit: 'W',
        timestamp: new Date('2024-01-15T10:30:00Z'),
        labels: expect.objectContaining({
          mqtt_topic: 'telcomesh/sites/SITE-001/energy/power/rect-1',
        }) as Record<string, string>,
      }),
    ]);
  });

  it('maps lists and {readings}, payload fields winning; epoch seconds and ms; receipt time otherwise', () => {
    const outcome = messageMetrics(
      message('telcomesh/sites/SITE-002/energy', {
        readings: [
          { sensor_type: 'voltage', value: -53.5, unit: 'V', ts: 1705314600 },
          { sensor_type: 'soc', sensor_id: 'bat-1', value: 88, unit: '%', ts: 1705314600000 },
          { type: 'temperature', value: 31, unit: 'C', site_id: 'SITE-009' },
        ],
      }),
      FILTERS,
    );
    expect(outcome.rejected).toEqual([]);
    expect(
      outcome.records.map((r) => [r.siteId, r.managedObject, r.name, r.timestamp.toISOString()]),
    ).toEqual([
      ['SITE-002', 'SITE-002/voltage', 'voltage', '2024-01-15T10:30:00.000Z'],
      ['SITE-002', 'bat-1', 'battery_level', '2024-01-15T10:30:00.000Z'],
      ['SITE-009', 'SITE-009/temperature', 'temperature', '2024-01-15T10:31:00.000Z'],
    ]);
    expect(outcome.records[2].labels.time_source).toBe('received');
  });

  it('refuses a payload that is not JSON, naming the topic and why', () => {
    const outcome = messageMetrics(
      message('telcomesh/sites/S1/energy/power', 'power=12W'),
      FILTERS,
    );
    expect(outcome.records).toEqual([]);
    expect(outcome.rejected).toHaveLength(1);
    expect(outcome.rejected[0]).toMatch(
      /^telcomesh\/sites\/S1\/energy\/power: payload is not JSON \(/,
    );
  });

  it('refuses bad readings one by one; the good ones in the same message go on', () => {
    const outcome = messageMetrics(
      message('telcomesh/sites/S1/energy/fuel_level', [
        { value: 55, unit: '%' },
        { value: 'full', unit: '%' },
        { value: 250, unit: '%' },
        { value: 10, unit: '%', timestamp: 'yesterday' },
        'not an object',
      ]),
      FILTERS,
    );
    expect(outcome.records.map((r) => r.value)).toEqual([55]);
    expect(outcome.rejected).toEqual([
      'telcomesh/sites/S1/energy/fuel_level reading 1: value is "full", not a number',
      'telcomesh/sites/S1/energy/fuel_level reading 2: fuel_level 250 % is outside the plausible 0..100 %',
      'telcomesh/sites/S1/energy/fuel_level reading 3: timestamp is "yesterday", not a time',
      'telcomesh/sites/S1/energy/fuel_level reading 4: is string, not an object',
    ]);
  });

  it('refuses a reading that names no site or sensor type anywhere', () => {
    expect(
      messageMetrics(message('plant/energy', { value: 1, unit: 'W' }), ['plant/#']).rejected,
    ).toEqual([
      'plant/energy: names no site: no site_id in the payload and no + level in the topic',
    ]);
    expect(
      messageMetrics(message('telcomesh/sites/S1/energy', { value: 1 }), FILTERS).rejected,
    ).toEqual([
      'telcomesh/sites/S1/energy: names no sensor type: no sensor_type in the payload or the topic',
    ]);
  });
});

describe('MessageBuffer', () => {
  it('keeps the newest items when full and counts what it dropped', () => {
    const buffer = new MessageBuffer<number>(3);
    expect([1, 2, 3].map((n) => buffer.push(n))).toEqual([false, false, false]);
    expect(buffer.push(4)).toBe(true);
    expect(buffer.push(5)).toBe(true);
    expect(buffer.drain()).toEqual({ items: [3, 4, 5], dropped: 2 });
    expect(buffer.drain()).toEqual({ items: [], dropped: 0 });
    buffer.push(6);
    expect(buffer.length).toBe(1);
    expect(buffer.drain()).toEqual({ items: [6], dropped: 0 });
    expect(() => new MessageBuffer(0)).toThrow('positive integer');
  });
});
