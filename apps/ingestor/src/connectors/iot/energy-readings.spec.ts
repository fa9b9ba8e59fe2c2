import { ItemError } from '../item-fields';
import { energyMetric, sensorTypeOf, type EnergyReadingInput } from './energy-readings';
import { restReadingMetric } from './iot-rest.connector';

const AT = new Date('2024-01-15T10:30:00Z');

function reading(overrides: Partial<EnergyReadingInput>): EnergyReadingInput {
  return {
    siteId: 'SITE-001',
    sensorId: 'SITE-001-rectifier',
    sensorType: 'power',
    value: 1,
    unit: 'W',
    timestamp: AT,
    raw: {},
    ...overrides,
  };
}

describe('energy readings', () => {
  it.each([
    ['power', 2.3, 'kW', 'power', 2300, 'W'],
    ['power', 850, 'mW', 'power', 0.85, 'W'],
    ['Active Power', 1200, 'watts', 'power', 1200, 'W'],
    ['voltage', -53.5, 'V', 'voltage', -53.5, 'V'],
    ['dc_voltage', 230_000, 'mV', 'voltage', 230, 'V'],
    ['current', 1500, 'mA', 'current', 1.5, 'A'],
    ['temperature', 86, '°F', 'temperature', 30, '°C'],
    ['temp', 303.15, 'K', 'temperature', 30, '°C'],
    ['fuel', 42, '%', 'fuel_level', 42, '%'],
    ['State of charge', '97.5', 'percent', 'battery_level', 97.5, '%'],
  ])('%s %s %s → %s %s %s', (type, value, unit, name, expected, canonical) => {
    const metric = energyMetric(reading({ sensorType: type, value, unit }));
    expect(metric).toMatchObject({ name, value: expected, unit: canonical, quality: 1 });
  });

  it('keeps the source, site and sensor as metric fields and labels', () => {
    expect(energyMetric(reading({ value: 2.3, unit: 'kW', raw: { x: 1 } }))).toEqual({
      kind: 'metric',
      siteId: 'SITE-001',
      managedObject: 'SITE-001-rectifier',
      name: 'power',
      value: 2300,
      unit: 'W',
      timestamp: AT,
      technology: 'POWER',
      quality: 1,
      labels: { data_type: 'energy_metric', sensor_type: 'power', source_unit: 'kW' },
      raw: { x: 1 },
    });
  });

  it('assumes the canonical unit when none is given, and lowers the quality', () => {
    const metric = energyMetric(reading({ unit: undefined, value: 12 }));
    expect(metric).toMatchObject({ value: 12, unit: 'W', quality: 0.8 });
    expect(metric.labels.unit_assumed).toBe('true');
    expect(energyMetric(reading({ suspect: true })).quality).toBe(0.5);
  });

  it('refuses what it cannot trust, saying why', () => {
    expect(() => energyMetric(reading({ sensorType: 'humidity' }))).toThrow(
      new ItemError('sensor_type "humidity" is not an energy sensor'),
    );
    expect(() => energyMetric(reading({ value: 'n/a' }))).toThrow('value is "n/a", not a number');
    expect(() => energyMetric(reading({ value: null }))).toThrow('value is missing');
    expect(() => energyMetric(reading({ unit: 'L', sensorType: 'fuel_level' }))).toThrow(
      'unit "L" is not a unit of fuel_level',
    );
    // mw could be milli- or megawatts: refused rather than guessed.
    expect(() => energyMetric(reading({ unit: 'mw' }))).toThrow('unit "mw" is not a unit of power');
    expect(() => energyMetric(reading({ value: 2, unit: 'MW' }))).toThrow(
      'power 2000000 W is outside the plausible 0..1000000 W',
    );
    expect(() =>
      energyMetric(reading({ sensorType: 'battery_level', value: 104, unit: '%' })),
    ).toThrow('battery_level 104 % is outside the plausible 0..100 %');
    expect(() =>
      energyMetric(reading({ sensorType: 'temperature', value: 500, unit: '°C' })),
    ).toThrow('outside the plausible');
  });

  it('names sensor types however sources spell them', () => {
    expect(sensorTypeOf('Battery-SOC')).toBe('battery_level');
    expect(sensorTypeOf(' Cabinet Temperature ')).toBe('temperature');
    expect(sensorTypeOf('humidity')).toBeUndefined();
  });

  it('reads the REST platform reading shape', () => {
    const raw = {
      reading_id: 'r-0000001',
      site_id: 'SITE-002',
      sensor_id: 'SITE-002-cabinet',
      sensor_type: 'temperature',
      value: 86,
      unit: '°F',
      measured_at: '2024-01-15T10:30:00Z',
      received_at: '2024-01-15T10:30:30Z',
      status: 'ok',
    };
    expect(restReadingMetric(raw)).toMatchObject({
      siteId: 'SITE-002',
      managedObject: 'SITE-002-cabinet',
      name: 'temperature',
      value: 30,
      timestamp: AT,
      labels: { reading_id: 'r-0000001', source_unit: '°F' },
    });
    expect(() => restReadingMetric({ ...raw, measured_at: 'soon' })).toThrow(
      'measured_at is "soon", not a date',
    );
    expect(() => restReadingMetric({ ...raw, site_id: undefined })).toThrow('site_id is missing');
  });
});
