/**
 * Units the ingestor accepts on metrics, each with its dimension and how to convert to the one
 * canonical unit of that dimension, so consumers compare like with like (all latencies in ms,
 * all rates in Mbps). Values are range-checked in the canonical unit.
 */
export type Dimension =
  | 'percent'
  | 'time'
  | 'rate'
  | 'data'
  | 'power'
  | 'energy'
  | 'voltage'
  | 'current'
  | 'temperature'
  | 'level'
  | 'frequency'
  | 'count';

export interface UnitInfo {
  dimension: Dimension;
  /** Canonical unit of the dimension, the one published. */
  canonical: string;
  /** canonical value = value × factor + offset. */
  factor: number;
  offset: number;
}

const CANONICAL: Record<Dimension, string> = {
  percent: '%',
  time: 'ms',
  rate: 'Mbps',
  data: 'MB',
  power: 'W',
  energy: 'kWh',
  voltage: 'V',
  current: 'A',
  temperature: '°C',
  level: 'dBm',
  frequency: 'MHz',
  count: '',
};

/** Valid range of a dimension, in its canonical unit. */
const RANGES: Partial<Record<Dimension, { min: number; max: number }>> = {
  percent: { min: 0, max: 100 },
  time: { min: 0, max: Number.POSITIVE_INFINITY },
  rate: { min: 0, max: Number.POSITIVE_INFINITY },
  data: { min: 0, max: Number.POSITIVE_INFINITY },
  energy: { min: 0, max: Number.POSITIVE_INFINITY },
  frequency: { min: 0, max: Number.POSITIVE_INFINITY },
  count: { min: 0, max: Number.POSITIVE_INFINITY },
  // Outdoor cabinets and batteries; beyond this a sensor is broken, not the site on fire.
  temperature: { min: -90, max: 150 },
  level: { min: -200, max: 100 },
};

function unit(dimension: Dimension, factor = 1, offset = 0): UnitInfo {
  return { dimension, canonical: CANONICAL[dimension], factor, offset };
}

/** Unit symbols, case-sensitive: `mW` is a milliwatt and `MW` a megawatt. */
const SYMBOLS: Record<string, UnitInfo> = {
  '%': unit('percent'),
  ms: unit('time'),
  s: unit('time', 1000),
  us: unit('time', 0.001),
  µs: unit('time', 0.001),
  bps: unit('rate', 1e-6),
  'bit/s': unit('rate', 1e-6),
  kbps: unit('rate', 1e-3),
  'kbit/s': unit('rate', 1e-3),
  Mbps: unit('rate'),
  'Mbit/s': unit('rate'),
  Gbps: unit('rate', 1e3),
  'Gbit/s': unit('rate', 1e3),
  B: unit('data', 1e-6),
  kB: unit('data', 1e-3),
  KB: unit('data', 1e-3),
  MB: unit('data'),
  GB: unit('data', 1e3),
  TB: unit('data', 1e6),
  mW: unit('power', 1e-3),
  W: unit('power'),
  kW: unit('power', 1e3),
  MW: unit('power', 1e6),
  Wh: unit('energy', 1e-3),
  kWh: unit('energy'),
  MWh: unit('energy', 1e3),
  mV: unit('voltage', 1e-3),
  V: unit('voltage'),
  kV: unit('voltage', 1e3),
  mA: unit('current', 1e-3),
  A: unit('current'),
  '°C': unit('temperature'),
  C: unit('temperature'),
  degC: unit('temperature'),
  '°F': unit('temperature', 5 / 9, -32 * (5 / 9)),
  K: unit('temperature', 1, -273.15),
  dBm: unit('level'),
  dB: { dimension: 'level', canonical: 'dB', factor: 1, offset: 0 },
  Hz: unit('frequency', 1e-6),
  kHz: unit('frequency', 1e-3),
  MHz: unit('frequency'),
  GHz: unit('frequency', 1e3),
  '': unit('count'),
  '1': unit('count'),
};

/** Unit words and lower-case spellings that are not ambiguous, matched without case. */
const WORDS: Record<string, UnitInfo> = {
  percent: unit('percent'),
  pct: unit('percent'),
  msec: unit('time'),
  milliseconds: unit('time'),
  sec: unit('time', 1000),
  seconds: unit('time', 1000),
  mbps: unit('rate'),
  gbps: unit('rate', 1e3),
  kbps: unit('rate', 1e-3),
  bytes: unit('data', 1e-6),
  celsius: unit('temperature'),
  dbm: unit('level'),
  count: unit('count'),
};

/** Metric names whose dimension is known: a latency in % is a mapping bug at the source. */
const EXPECTED: Record<string, Dimension> = {
  availability: 'percent',
  rrc_success_rate: 'percent',
  erab_success_rate: 'percent',
  handover_success_rate: 'percent',
  call_drop_rate: 'percent',
  packet_loss: 'percent',
  prb_utilization: 'percent',
  cpu_utilization: 'percent',
  battery_level: 'percent',
  throughput: 'rate',
  dl_throughput: 'rate',
  ul_throughput: 'rate',
  latency: 'time',
  jitter: 'time',
  power: 'power',
  energy: 'energy',
  voltage: 'voltage',
  current: 'current',
  temperature: 'temperature',
  rsrp: 'level',
  rssi: 'level',
};

const cache = new Map<string, UnitInfo | null>();

/** The unit as spelled by a source, or undefined when it is not one the ingestor knows. */
export function lookupUnit(spelling: string): UnitInfo | undefined {
  let info = cache.get(spelling);
  if (info === undefined) {
    const trimmed = spelling.trim();
    info = SYMBOLS[trimmed] ?? WORDS[trimmed.toLowerCase()] ?? null;
    if (cache.size < 10_000) cache.set(spelling, info);
  }
  return info ?? undefined;
}

export function expectedDimension(metricName: string): Dimension | undefined {
  return EXPECTED[metricName];
}

export function rangeOf(dimension: Dimension): { min: number; max: number } | undefined {
  return RANGES[dimension];
}
