/** Deterministic network data every OSS simulator renders in its vendor's shape. */

export type OssKpi =
  'availability' | 'rrc_success_rate' | 'throughput' | 'latency' | 'prb_utilization';
export type OssTechnology = '4G' | '5G';
export type OssSeverity = 'CRITICAL' | 'MAJOR' | 'MINOR' | 'WARNING';
export type OssAlarmType =
  'COMMUNICATIONS' | 'QUALITY_OF_SERVICE' | 'PROCESSING_ERROR' | 'EQUIPMENT' | 'ENVIRONMENTAL';

export const OSS_KPIS: Record<OssKpi, { unit: string; min: number; max: number }> = {
  availability: { unit: '%', min: 97, max: 100 },
  rrc_success_rate: { unit: '%', min: 92, max: 99.9 },
  throughput: { unit: 'Mbps', min: 20, max: 450 },
  latency: { unit: 'ms', min: 8, max: 45 },
  prb_utilization: { unit: '%', min: 10, max: 95 },
};

export const OSS_REGIONS = ['North', 'South', 'East'] as const;

export interface OssAlarmKind {
  code: string;
  specificProblem: string;
  probableCause: string;
  alarmType: OssAlarmType;
  severity: OssSeverity;
  /** Raised on a cell; otherwise on the site (no technology). */
  onCell: boolean;
}

export const OSS_ALARM_KINDS: readonly OssAlarmKind[] = [
  {
    code: 'CELL_DOWN',
    specificProblem: 'Cell Unavailable',
    probableCause: 'Equipment Malfunction',
    alarmType: 'EQUIPMENT',
    severity: 'CRITICAL',
    onCell: true,
  },
  {
    code: 'LINK_FAILURE',
    specificProblem: 'Transmission Link Failure',
    probableCause: 'Loss Of Signal',
    alarmType: 'COMMUNICATIONS',
    severity: 'MAJOR',
    onCell: false,
  },
  {
    code: 'HIGH_TEMPERATURE',
    specificProblem: 'High Temperature',
    probableCause: 'Temperature Unacceptable',
    alarmType: 'ENVIRONMENTAL',
    severity: 'MINOR',
    onCell: false,
  },
  {
    code: 'MAINS_FAILURE',
    specificProblem: 'Mains Power Failure',
    probableCause: 'Power Problem',
    alarmType: 'ENVIRONMENTAL',
    severity: 'CRITICAL',
    onCell: false,
  },
  {
    code: 'RRC_DEGRADED',
    specificProblem: 'RRC Setup Success Degraded',
    probableCause: 'Performance Degraded',
    alarmType: 'QUALITY_OF_SERVICE',
    severity: 'WARNING',
    onCell: true,
  },
  {
    code: 'SW_ERROR',
    specificProblem: 'Software Error',
    probableCause: 'Software Error',
    alarmType: 'PROCESSING_ERROR',
    severity: 'MAJOR',
    onCell: true,
  },
];

export interface SimulatedCell {
  id: string;
  siteId: string;
  region: string;
  technology: OssTechnology;
  /** 1-based number of the cell among the site's cells of its technology. */
  index: number;
}

export interface SimulatedSite {
  id: string;
  region: string;
  cells: SimulatedCell[];
}

export interface SimulatedMeasurement {
  siteId: string;
  region: string;
  cell: SimulatedCell;
  kpi: OssKpi;
  value: number;
  unit: string;
  /** End of the measurement period, ms since epoch. */
  periodEnd: number;
  granularitySeconds: number;
  /** The OSS flags the value as unreliable (counter reset, partial period). */
  suspect: boolean;
}

export interface SimulatedAlarm {
  /** Unique number; vendors build their alarm ids from it. */
  seq: number;
  siteId: string;
  region: string;
  /** Set for cell alarms. */
  cell?: SimulatedCell;
  kind: OssAlarmKind;
  severity: OssSeverity;
  raisedAt: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  clearedAt?: number;
  /** Latest of raise, acknowledge and clear. */
  changedAt: number;
  text: string;
}

export interface OssDatasetOptions {
  seed?: number;
  sites?: number;
  /** Start of the first measurement period. */
  start?: Date | string;
  periods?: number;
  granularityMinutes?: number;
  alarms?: number;
}

/** mulberry32: a small, fast, seedable PRNG so every run sees the same network. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function sortByChange(a: SimulatedAlarm, b: SimulatedAlarm): number {
  return a.changedAt - b.changedAt || a.seq - b.seq;
}

/**
 * Sites in three regions with 4G and 5G cells, 15-minute KPIs per cell (availability, RRC success
 * rate, throughput, latency, PRB utilisation) and alarms raised, acknowledged and cleared over the
 * same span. Tests change it while a simulator serves it (raise, acknowledge, clear).
 */
export class OssDataset {
  readonly sites: SimulatedSite[] = [];
  readonly measurements: SimulatedMeasurement[] = [];
  readonly alarms: SimulatedAlarm[] = [];
  /** Start of the first period and end of the last, ms since epoch. */
  readonly start: number;
  readonly end: number;
  private nextSeq = 1001;
  private readonly random: () => number;

  constructor(options: OssDatasetOptions = {}) {
    this.random = seededRandom(options.seed ?? 42);
    const granularityMinutes = options.granularityMinutes ?? 15;
    const periods = options.periods ?? 8;
    this.start = new Date(options.start ?? '2024-01-15T08:00:00Z').getTime();
    this.end = this.start + periods * granularityMinutes * 60_000;
    const siteCount = options.sites ?? 6;
    for (let i = 0; i < siteCount; i++) {
      const id = `SITE${String(i + 1).padStart(3, '0')}`;
      const region = OSS_REGIONS[i % OSS_REGIONS.length];
      const cells: SimulatedCell[] = [
        { id: `${id}-4G-1`, siteId: id, region, technology: '4G', index: 1 },
      ];
      if (i % 2 === 0)
        cells.push({ id: `${id}-4G-2`, siteId: id, region, technology: '4G', index: 2 });
      if (i % 3 !== 2)
        cells.push({ id: `${id}-5G-1`, siteId: id, region, technology: '5G', index: 1 });
      this.sites.push({ id, region, cells });
    }
    for (let p = 1; p <= periods; p++) {
      const periodEnd = this.start + p * granularityMinutes * 60_000;
      for (const site of this.sites) {
        for (const cell of site.cells) {
          for (const [kpi, range] of Object.entries(OSS_KPIS) as [
            OssKpi,
            (typeof OSS_KPIS)[OssKpi],
          ][]) {
            const scale = cell.technology === '5G' && kpi === 'throughput' ? 2.5 : 1;
            this.measurements.push({
              siteId: site.id,
              region: site.region,
              cell,
              kpi,
              value: round((range.min + this.random() * (range.max - range.min)) * scale, 2),
              unit: range.unit,
              periodEnd,
              granularitySeconds: granularityMinutes * 60,
              suspect: this.random() < 0.02,
            });
          }
        }
      }
    }
    const span = this.end - this.start;
    for (let n = 0; n < (options.alarms ?? 24); n++) {
      const site = this.sites[Math.floor(this.random() * this.sites.length)];
      const kind = OSS_ALARM_KINDS[Math.floor(this.random() * OSS_ALARM_KINDS.length)];
      const cell = kind.onCell
        ? site.cells[Math.floor(this.random() * site.cells.length)]
        : undefined;
      // Whole seconds: every vendor format carries them exactly.
      const raisedAt = this.start + Math.floor((this.random() * span * 0.8) / 1000) * 1000;
      const alarm = this.raiseAlarm({
        siteId: site.id,
        cellId: cell?.id,
        kind: kind.code,
        at: raisedAt,
      });
      const fate = this.random();
      const later = (from: number) =>
        from + Math.floor((this.random() * (this.end - from)) / 1000) * 1000 + 1000;
      if (fate < 0.35) this.acknowledge(alarm.seq, later(raisedAt));
      if (fate > 0.2 && fate < 0.7) this.clear(alarm.seq, later(alarm.changedAt));
    }
  }

  site(siteId: string): SimulatedSite {
    const site = this.sites.find((s) => s.id === siteId);
    if (!site) throw new Error(`no site ${siteId} in the dataset`);
    return site;
  }

  alarm(seq: number): SimulatedAlarm {
    const alarm = this.alarms.find((a) => a.seq === seq);
    if (!alarm) throw new Error(`no alarm ${seq} in the dataset`);
    return alarm;
  }

  raiseAlarm(spec: {
    siteId: string;
    cellId?: string;
    kind?: string;
    at: number;
    severity?: OssSeverity;
  }): SimulatedAlarm {
    const site = this.site(spec.siteId);
    const kind = OSS_ALARM_KINDS.find((k) => k.code === (spec.kind ?? 'CELL_DOWN'));
    if (!kind) throw new Error(`no alarm kind ${spec.kind}`);
    const cell =
      spec.cellId === undefined ? undefined : site.cells.find((c) => c.id === spec.cellId);
    if (spec.cellId !== undefined && !cell) throw new Error(`no cell ${spec.cellId} on ${site.id}`);
    const alarm: SimulatedAlarm = {
      seq: this.nextSeq++,
      siteId: site.id,
      region: site.region,
      cell,
      kind,
      severity: spec.severity ?? kind.severity,
      raisedAt: spec.at,
      changedAt: spec.at,
      text: `${kind.specificProblem} on ${cell?.id ?? site.id}`,
    };
    this.alarms.push(alarm);
    return alarm;
  }

  acknowledge(seq: number, at: number, by = 'noc-operator'): SimulatedAlarm {
    const alarm = this.alarm(seq);
    alarm.acknowledgedAt = at;
    alarm.acknowledgedBy = by;
    alarm.changedAt = Math.max(alarm.changedAt, at);
    return alarm;
  }

  clear(seq: number, at: number): SimulatedAlarm {
    const alarm = this.alarm(seq);
    alarm.clearedAt = at;
    alarm.changedAt = Math.max(alarm.changedAt, at);
    return alarm;
  }

  /** Measurements whose period ends in `(from, to]`, in a stable order (period, cell, KPI). */
  measurementsIn(from: number | undefined, to: number): SimulatedMeasurement[] {
    return this.measurements.filter(
      (m) => (from === undefined || m.periodEnd > from) && m.periodEnd <= to,
    );
  }

  /** Alarms last changed in `(from, to]`, oldest change first. */
  alarmsChangedIn(from: number | undefined, to: number): SimulatedAlarm[] {
    return this.alarms
      .filter((a) => (from === undefined || a.changedAt > from) && a.changedAt <= to)
      .sort(sortByChange);
  }
}
