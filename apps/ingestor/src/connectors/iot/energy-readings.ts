import type { MetricRecord } from '../connector';
import { ItemError } from '../item-fields';

/** Normalised names of the energy sensors a site has (seed "IoT Energy Systems" `sensor_types`). */
export const SENSOR_TYPES = [
  'power',
  'voltage',
  'current',
  'temperature',
  'fuel_level',
  'battery_level',
] as const;
export type SensorType = (typeof SENSOR_TYPES)[number];

/** Names sensors and platforms give the same measurement. */
const SENSOR_NAMES: Record<string, SensorType> = {
  power: 'power',
  active_power: 'power',
  power_consumption: 'power',
  load: 'power',
  voltage: 'voltage',
  dc_voltage: 'voltage',
  ac_voltage: 'voltage',
  current: 'current',
  dc_current: 'current',
  ac_current: 'current',
  temperature: 'temperature',
  temp: 'temperature',
  cabinet_temperature: 'temperature',
  fuel_level: 'fuel_level',
  fuel: 'fuel_level',
  battery_level: 'battery_level',
  battery_soc: 'battery_level',
  state_of_charge: 'battery_level',
  soc: 'battery_level',
};

/** The sensor type a source's name stands for (`State of charge` → battery_level), if any. */
export function sensorTypeOf(name: string): SensorType | undefined {
  return SENSOR_NAMES[
    name
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_')
  ];
}

/** canonical = value × factor + offset. */
interface UnitConversion {
  factor: number;
  offset?: number;
}

interface SensorUnits {
  canonical: string;
  /** Spellings, case-sensitive: `mW` is a milliwatt, `MW` a megawatt. */
  units: Record<string, UnitConversion>;
  /** Plausible range in the canonical unit; beyond it the sensor is broken, not the site. */
  range: [number, number];
}

const PERCENT: SensorUnits = {
  canonical: '%',
  units: { '%': { factor: 1 }, percent: { factor: 1 }, pct: { factor: 1 } },
  range: [0, 100],
};

const FAHRENHEIT = { factor: 5 / 9, offset: (-32 * 5) / 9 };
const KELVIN = { factor: 1, offset: -273.15 };

const UNITS: Record<SensorType, SensorUnits> = {
  // A tower site draws watts to tens of kilowatts; a megawatt is a broken meter.
  power: {
    canonical: 'W',
    units: {
      W: { factor: 1 },
      w: { factor: 1 },
      watt: { factor: 1 },
      watts: { factor: 1 },
      mW: { factor: 1e-3 },
      kW: { factor: 1e3 },
      kw: { factor: 1e3 },
      KW: { factor: 1e3 },
      kilowatt: { factor: 1e3 },
      kilowatts: { factor: 1e3 },
      MW: { factor: 1e6 },
    },
    range: [0, 1e6],
  },
  // -48 V DC plants report negative volts; mains is 230/400 V.
  voltage: {
    canonical: 'V',
    units: {
      V: { factor: 1 },
      v: { factor: 1 },
      VDC: { factor: 1 },
      VAC: { factor: 1 },
      volt: { factor: 1 },
      volts: { factor: 1 },
      mV: { factor: 1e-3 },
      kV: { factor: 1e3 },
    },
    range: [-1000, 1000],
  },
  // Battery current is negative while discharging.
  current: {
    canonical: 'A',
    units: {
      A: { factor: 1 },
      a: { factor: 1 },
      amp: { factor: 1 },
      amps: { factor: 1 },
      ampere: { factor: 1 },
      amperes: { factor: 1 },
      mA: { factor: 1e-3 },
    },
    range: [-5000, 5000],
  },
  temperature: {
    canonical: '°C',
    units: {
      '°C': { factor: 1 },
      '℃': { factor: 1 },
      C: { factor: 1 },
      degC: { factor: 1 },
      celsius: { factor: 1 },
      '°F': FAHRENHEIT,
      '℉': FAHRENHEIT,
      F: FAHRENHEIT,
      degF: FAHRENHEIT,
      fahrenheit: FAHRENHEIT,
      K: KELVIN,
      kelvin: KELVIN,
    },
    range: [-60, 125],
  },
  fuel_level: PERCENT,
  battery_level: PERCENT,
};

/** One reading as a source gave it, before normalisation. */
export interface EnergyReadingInput {
  siteId: string;
  sensorId: string;
  /** The source's name for the sensor type. */
  sensorType: string;
  value: unknown;
  /** Absent: the sensor type's canonical unit is assumed, and the quality says so. */
  unit?: string;
  timestamp: Date;
  /** The source flags the value as doubtful. */
  suspect?: boolean;
  labels?: Record<string, string>;
  raw: unknown;
}

/** Quality of a value the source flags as suspect, or whose unit had to be assumed. */
const SUSPECT_QUALITY = 0.5;
const ASSUMED_UNIT_QUALITY = 0.8;

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : String(JSON.stringify(value));
}

/** Rounds away float noise from unit conversion (2.3 kW is 2300 W, not 2300.0000000000005). */
function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

/**
 * A reading as a metric with its normalised name (`power`, `voltage`, `current`, `temperature`,
 * `fuel_level`, `battery_level`) in the name's canonical unit (W, V, A, °C, %), or an ItemError
 * naming what is wrong: an unknown sensor type or unit, a value that is no number, or one outside
 * the plausible range. Technology `POWER`, data type `energy_metric`.
 */
export function energyMetric(reading: EnergyReadingInput): MetricRecord {
  const name = sensorTypeOf(reading.sensorType);
  if (!name) throw new ItemError(`sensor_type ${show(reading.sensorType)} is not an energy sensor`);
  const { value } = reading;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(number)) {
    throw new ItemError(
      value === undefined || value === null
        ? 'value is missing'
        : `value is ${show(value)}, not a number`,
    );
  }
  const units = UNITS[name];
  const unit = reading.unit?.trim();
  const assumed = unit === undefined || unit === '';
  const conversion = assumed ? { factor: 1 } : units.units[unit];
  if (!conversion) {
    throw new ItemError(
      `unit ${show(unit)} is not a unit of ${name} (use ${Object.keys(units.units).slice(0, 4).join(', ')}...)`,
    );
  }
  const converted = tidy(number * conversion.factor + (conversion.offset ?? 0));
  const [min, max] = units.range;
  if (converted < min || converted > max) {
    throw new ItemError(
      `${name} ${converted} ${units.canonical} is outside the plausible ${min}..${max} ${units.canonical}`,
    );
  }
  const labels: Record<string, string> = {
    data_type: 'energy_metric',
    sensor_type: reading.sensorType,
    ...reading.labels,
  };
  if (!assumed && unit !== units.canonical) labels.source_unit = unit;
  if (assumed) labels.unit_assumed = 'true';
  return {
    kind: 'metric',
    siteId: reading.siteId,
    managedObject: reading.sensorId,
    name,
    value: converted,
    unit: units.canonical,
    timestamp: reading.timestamp,
    technology: 'POWER',
    quality: reading.suspect ? SUSPECT_QUALITY : assumed ? ASSUMED_UNIT_QUALITY : 1,
    labels,
    raw: reading.raw,
  };
}
