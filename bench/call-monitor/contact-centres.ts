/** The simulated contact centres the benchmark drives. */
import { type ContactCentreConfig } from '@telcomesh/testing';

const QUEUES = 20;

/**
 * A centre of `agents` agents in 20 queues (each agent in two), busy enough that about one call
 * per agent is in progress at any time: 20 arrivals an hour per agent, 3 min talk, 10 s wrap-up
 * (by Little's law ≈ 1 call in progress per agent, a few dozen waiting). With pauses, outbound
 * calls, holds and transfers, the event mix is that of a real busy centre.
 */
export function busyCentre(agents: number, seed: number | string): ContactCentreConfig {
  if (!Number.isInteger(agents) || agents < QUEUES) {
    throw new RangeError(`busyCentre: agents must be a whole number ≥ ${QUEUES}, got ${agents}`);
  }
  const queues = Array.from({ length: QUEUES }, (_, q) => ({
    name: `queue-${String(q + 1).padStart(2, '0')}`,
    callsPerHour: (agents * 20) / QUEUES,
    wrapUpSeconds: 10,
  }));
  return {
    seed,
    // Simulated time starts near the wall clock, so platform times in the payloads look current.
    startTime: Math.floor(Date.now() / 1000) * 1000,
    queues,
    agents: Array.from({ length: agents }, (_, a) => ({
      extension: String(100_000 + a),
      name: `Agent ${a + 1}`,
      queues: [queues[a % QUEUES].name, queues[(a + 1) % QUEUES].name],
      pausesPerHour: 1,
      outboundCallsPerHour: 1,
    })),
    // Finished calls are only kept for ground-truth checks, which the benchmark does not do.
    keepFinishedCalls: 0,
  };
}
