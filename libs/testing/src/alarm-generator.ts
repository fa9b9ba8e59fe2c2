const SEVERITIES = ['CRITICAL', 'MAJOR', 'MINOR', 'WARNING'] as const;
const PROBLEMS = [
  { title: 'Cell Down', cause: 'Equipment Failure', type: 'EQUIPMENT' },
  { title: 'Mains Power Failure', cause: 'Power Problem', type: 'ENVIRONMENTAL' },
  { title: 'High Cabinet Temperature', cause: 'Temperature Unacceptable', type: 'ENVIRONMENTAL' },
  { title: 'Link Down', cause: 'Loss Of Signal', type: 'COMMUNICATIONS' },
  { title: 'Throughput Degraded', cause: 'Performance Degraded', type: 'QUALITY_OF_SERVICE' },
] as const;

export interface GeneratedAlarm {
  alarm_id: string;
  severity: (typeof SEVERITIES)[number];
  title: string;
  description: string;
  site_id: string;
  source_system: string;
  probable_cause: string;
  alarm_type: string;
  managed_object: string;
  event_time: string;
  metadata: Record<string, string>;
}

/** Plausible X.733 alarms from a handful of tower sites, for demos, tests and benchmarks. */
export function generateAlarm(sequence: number, sites = 20): GeneratedAlarm {
  const site = `site-${String(sequence % sites).padStart(3, '0')}`;
  const problem = PROBLEMS[sequence % PROBLEMS.length];
  const cell = `CELL-${String(sequence % (sites * 3)).padStart(3, '0')}`;
  return {
    alarm_id: `ALM-${sequence}`,
    severity: SEVERITIES[sequence % SEVERITIES.length],
    title: problem.title,
    description: `${problem.title} at ${site} (${cell})`,
    site_id: site,
    source_system: 'OSS-ericsson',
    probable_cause: problem.cause,
    alarm_type: problem.type,
    managed_object: cell,
    event_time: new Date().toISOString(),
    metadata: { cell_id: cell, technology: sequence % 2 === 0 ? '5G' : '4G' },
  };
}
