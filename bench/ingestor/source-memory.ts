/**
 * Section 3: memory of one service instance per 1,000 held sources. Idle bench_metrics sources
 * (every poll finds nothing; polling interval 1 h) are registered through the catalog in steps;
 * after each step, once every source is held and has made its first poll, garbage is collected
 * and RSS and V8 heap are read. The figure is the slope from the first step with sources to the
 * last: going from none to the first thousand also pays one-off warm-up (JIT, pools, modules).
 */
import { performance } from 'node:perf_hooks';
import { collectGarbage, log, perSecond, round, sleep } from '../messaging/stats';
import { BENCH_SOURCE_TYPE } from './metric-source';
import type { BenchIngestor } from './service';

export interface MemoryStep {
  sources: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** Registering this step's sources through the catalog (one transaction each). */
  registerPerSec: number;
  /** Last registration → every source held and polled once. */
  settleMs: number;
}

export interface SourceMemoryResult {
  steps: MemoryStep[];
  /** Change from the first step with sources to the last, per 1,000 sources (0 → last if one step). */
  rssMiBPer1000: number;
  heapMiBPer1000: number;
}

const MiB = 1024 * 1024;

async function measure(): Promise<{ rssMiB: number; heapUsedMiB: number }> {
  // Twice, a tick apart: the first GC's finalisers can free more on the second.
  collectGarbage();
  await sleep(200);
  collectGarbage();
  const m = process.memoryUsage();
  return { rssMiB: round(m.rss / MiB, 1), heapUsedMiB: round(m.heapUsed / MiB, 1) };
}

export async function runSourceMemory(
  bench: BenchIngestor,
  counts: number[],
  timeoutMs: number,
): Promise<SourceMemoryResult> {
  const { dataSource } = bench.service.runtime;
  const polled = async (): Promise<number> => {
    const rows = await dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "${bench.schema}"."source_sync_state"
        WHERE "source_id" LIKE 'bench-mem-%' AND "last_attempt" IS NOT NULL`,
    );
    return rows[0]?.n ?? 0;
  };
  const steps: MemoryStep[] = [
    { sources: 0, ...(await measure()), registerPerSec: 0, settleMs: 0 },
  ];
  let registered = 0;
  for (const target of [...counts].sort((a, b) => a - b)) {
    log(`memory: registering sources ${registered + 1}..${target}`);
    const started = performance.now();
    const added = target - registered;
    for (; registered < target; registered++) {
      await bench.core.catalog.create(
        {
          source_id: `bench-mem-${registered}`,
          source_type: BENCH_SOURCE_TYPE,
          connection_config: { records_total: 0, batch_size: 1 },
          mapping_rules: { tenant_mapping: 'tenant-001' },
          polling_interval: 3600,
          enabled: true,
        },
        'bench',
        'memory run',
      );
    }
    const registeredAt = performance.now();
    const deadline = registeredAt + timeoutMs;
    await bench.core.ownership.refresh();
    while (
      (bench.core.ownership.heldIds().length < target || (await polled()) < target) &&
      performance.now() < deadline
    )
      await sleep(250);
    const held = bench.core.ownership.heldIds().length;
    if (held < target) log(`memory: only ${held} of ${target} sources held before the timeout`);
    const settleMs = performance.now() - registeredAt;
    steps.push({
      sources: held,
      ...(await measure()),
      registerPerSec: perSecond(added, registeredAt - started),
      settleMs: round(settleMs),
    });
  }
  const firstStep = steps.length > 2 ? steps[1] : steps[0];
  const lastStep = steps[steps.length - 1];
  const added = lastStep.sources - firstStep.sources;
  const per1000 = (a: number, b: number) =>
    added > 0 ? round(((b - a) * 1000) / added, 2) : Number.NaN;
  return {
    steps,
    rssMiBPer1000: per1000(firstStep.rssMiB, lastStep.rssMiB),
    heapMiBPer1000: per1000(firstStep.heapUsedMiB, lastStep.heapUsedMiB),
  };
}
