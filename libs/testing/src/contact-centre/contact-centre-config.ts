import {
  CALLER_NUMBER_FORMATS,
  DEFAULT_CALLER_NUMBER_MIX,
  type CallerNumberMix,
} from './caller-identities';
import { secondsDistributionProblem, type SecondsDistribution } from './seeded-random';

export interface QueueConfig {
  /** Asterisk queue name (`support`). */
  name: string;
  /** The DID callers dial to reach the queue (the `Exten` of their channel); `01400000NN` by default. */
  number?: string;
  /** Member extensions (`1001`), added to those the agents list themselves. */
  agents?: string[];
  /** Poisson arrival rate of inbound callers. */
  callsPerHour?: number;
  /** Seconds an agent rests after a call of this queue before being offered another; 10. */
  wrapUpSeconds?: number;
  /** Answer target (Asterisk `servicelevel`); 20 s. */
  serviceLevelSeconds?: number;
  /** How long one agent rings before `AgentRingNoAnswer` (Asterisk `timeout`); 15 s. */
  ringTimeoutSeconds?: number;
  /** Pause before the caller is offered again after a ring-no-answer (Asterisk `retry`); 5 s. */
  retrySeconds?: number;
  /** Queue timeout: the caller leaves unanswered (`no_answer`) after this; none by default. */
  maxWaitSeconds?: number;
  /** Time a caller waits before hanging up (abandoning); exponential, mean 90 s by default. */
  patience?: SecondsDistribution;
  /** Talk time of an answered call; lognormal, mean 180 s by default. */
  handleTime?: SecondsDistribution;
  /** Asterisk `weight`: callers of heavier queues are served first; 0. */
  weight?: number;
}

export interface AgentConfig {
  /** Extension; the agent's device is `PJSIP/<extension>`. */
  extension: string;
  name: string;
  /** Queues the agent is a member of (dynamic members), added to the queues' `agents`. */
  queues?: string[];
  /** Starts paused for this reason. */
  pausedReason?: string;
  /** Poisson rate of the agent's pauses (taken when available). */
  pausesPerHour?: number;
  /** Poisson rate of calls the agent places to the outside (when available). */
  outboundCallsPerHour?: number;
  /** Poisson rate of customers dialling the agent's direct line (only reach an available agent). */
  directCallsPerHour?: number;
}

/** How calls unfold, for every queue. Probabilities are per call. */
export interface CallBehaviour {
  /** An offered agent lets it ring out (`AgentRingNoAnswer`); 0.1. */
  ringNoAnswerProbability?: number;
  /** Seconds an agent's phone rings before the agent answers; uniform 2–8 s. */
  answerDelay?: SecondsDistribution;
  /** The agent (not the customer) ends the call; 0.4. */
  agentHangsUpProbability?: number;
  /** The agent puts the customer on hold once; 0.15. */
  holdProbability?: number;
  holdDuration?: SecondsDistribution;
  /** The agent blind transfers the call to an available colleague; 0.05. */
  blindTransferProbability?: number;
  /** The agent consults an available colleague, then transfers; 0.05. */
  attendedTransferProbability?: number;
  /** Length of the consultation before an attended transfer; uniform 10–40 s. */
  consultDuration?: SecondsDistribution;
  /** Seconds of welcome message between the trunk answering and the queue; 1. */
  greetingSeconds?: number;
  /** A number an agent dials answers; 0.7. */
  outboundAnswerProbability?: number;
  /** Ring time of an outbound call (answered or not); uniform 3–20 s. */
  outboundRingDuration?: SecondsDistribution;
  /** Talk time of outbound and direct calls; lognormal, mean 120 s. */
  outboundHandleTime?: SecondsDistribution;
  /** Pause reasons agents pick from. */
  pauseReasons?: string[];
  pauseDuration?: SecondsDistribution;
  /** Formats of inbound caller numbers (relative weights). */
  callerNumberMix?: Partial<CallerNumberMix>;
}

export interface ContactCentreConfig {
  /** Same seed and config, same frames. */
  seed: number | string;
  /** Simulated time at start; 2023-11-14T22:13:20Z (epoch 1 700 000 000 s) by default. */
  startTime?: Date | number;
  queues: QueueConfig[];
  agents: AgentConfig[];
  behaviour?: CallBehaviour;
  /** Name of the operator trunk endpoint (`PJSIP/<trunk>-0000001a`); `trunk-operator`. */
  trunk?: string;
  /** SIP host of the trunk, in outbound `DialString`s; `sip.operator.example`. */
  trunkHost?: string;
  /** Channel language; `fr`. */
  language?: string;
  /** Finished calls kept for introspection (oldest dropped first); 10 000. */
  keepFinishedCalls?: number;
}

export interface ResolvedQueue {
  name: string;
  number: string;
  callsPerHour: number;
  wrapUpSeconds: number;
  serviceLevelSeconds: number;
  ringTimeoutSeconds: number;
  retrySeconds: number;
  maxWaitSeconds: number | undefined;
  patience: SecondsDistribution;
  handleTime: SecondsDistribution;
  weight: number;
  /** Extensions, in agent config order. */
  members: string[];
}

export interface ResolvedAgent {
  extension: string;
  name: string;
  queues: string[];
  pausedReason: string | undefined;
  pausesPerHour: number;
  outboundCallsPerHour: number;
  directCallsPerHour: number;
}

export interface ResolvedContactCentre {
  seed: number | string;
  startTimeMs: number;
  queues: ResolvedQueue[];
  agents: ResolvedAgent[];
  behaviour: Required<Omit<CallBehaviour, 'callerNumberMix'>> & {
    callerNumberMix: CallerNumberMix;
  };
  trunk: string;
  trunkHost: string;
  language: string;
  keepFinishedCalls: number;
}

/** Bad configuration: `path` says where (`queues[1].callsPerHour`). */
export class ContactCentreConfigError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`contact centre config: ${path} ${problem}`);
    this.name = 'ContactCentreConfigError';
  }
}

export const DEFAULT_START_TIME_MS = 1_700_000_000_000;

const DEFAULT_BEHAVIOUR: ResolvedContactCentre['behaviour'] = {
  ringNoAnswerProbability: 0.1,
  answerDelay: { kind: 'uniform', min: 2, max: 8 },
  agentHangsUpProbability: 0.4,
  holdProbability: 0.15,
  holdDuration: { kind: 'uniform', min: 10, max: 60 },
  blindTransferProbability: 0.05,
  attendedTransferProbability: 0.05,
  consultDuration: { kind: 'uniform', min: 10, max: 40 },
  greetingSeconds: 1,
  outboundAnswerProbability: 0.7,
  outboundRingDuration: { kind: 'uniform', min: 3, max: 20 },
  outboundHandleTime: { kind: 'lognormal', mean: 120, sigma: 0.6 },
  pauseReasons: ['Lunch', 'Break', 'Training', 'Admin'],
  pauseDuration: { kind: 'uniform', min: 120, max: 900 },
  callerNumberMix: DEFAULT_CALLER_NUMBER_MIX,
};

/** Checks `config` and fills the defaults; throws `ContactCentreConfigError` naming the field. */
export function resolveContactCentreConfig(config: ContactCentreConfig): ResolvedContactCentre {
  if (typeof config !== 'object' || config === null) {
    throw new ContactCentreConfigError('(root)', 'must be an object');
  }
  if (typeof config.seed !== 'number' && typeof config.seed !== 'string') {
    throw new ContactCentreConfigError('seed', 'must be a number or a string');
  }
  const startTimeMs =
    config.startTime === undefined
      ? DEFAULT_START_TIME_MS
      : config.startTime instanceof Date
        ? config.startTime.getTime()
        : config.startTime;
  if (!Number.isFinite(startTimeMs)) {
    throw new ContactCentreConfigError('startTime', 'must be a valid date or epoch milliseconds');
  }
  if (!Array.isArray(config.queues))
    throw new ContactCentreConfigError('queues', 'must be an array');
  if (!Array.isArray(config.agents))
    throw new ContactCentreConfigError('agents', 'must be an array');

  const behaviour = resolveBehaviour(config.behaviour ?? {});
  const queueNames = new Set<string>();
  const queues: ResolvedQueue[] = config.queues.map((queue, index) => {
    const path = `queues[${index}]`;
    if (typeof queue?.name !== 'string' || !/^[\w.-]+$/.test(queue.name)) {
      throw new ContactCentreConfigError(
        `${path}.name`,
        `must be a queue name of letters, digits, '_', '.', '-', got ${JSON.stringify(queue?.name)}`,
      );
    }
    if (queueNames.has(queue.name)) {
      throw new ContactCentreConfigError(`${path}.name`, `repeats queue '${queue.name}'`);
    }
    queueNames.add(queue.name);
    const number = queue.number ?? `014000${String(index).padStart(4, '0')}`;
    if (!/^\+?\d{2,15}$/.test(number)) {
      throw new ContactCentreConfigError(`${path}.number`, `must be digits, got '${number}'`);
    }
    return {
      name: queue.name,
      number,
      callsPerHour: rate(queue.callsPerHour ?? 0, `${path}.callsPerHour`),
      wrapUpSeconds: seconds(queue.wrapUpSeconds ?? 10, `${path}.wrapUpSeconds`),
      serviceLevelSeconds: seconds(queue.serviceLevelSeconds ?? 20, `${path}.serviceLevelSeconds`),
      ringTimeoutSeconds: positiveSeconds(
        queue.ringTimeoutSeconds ?? 15,
        `${path}.ringTimeoutSeconds`,
      ),
      retrySeconds: seconds(queue.retrySeconds ?? 5, `${path}.retrySeconds`),
      maxWaitSeconds:
        queue.maxWaitSeconds === undefined
          ? undefined
          : positiveSeconds(queue.maxWaitSeconds, `${path}.maxWaitSeconds`),
      patience: distribution(
        queue.patience ?? { kind: 'exponential', mean: 90 },
        `${path}.patience`,
      ),
      handleTime: distribution(
        queue.handleTime ?? { kind: 'lognormal', mean: 180, sigma: 0.6 },
        `${path}.handleTime`,
      ),
      weight: finite(queue.weight ?? 0, `${path}.weight`),
      members: [],
    };
  });
  const queueByName = new Map(queues.map((queue) => [queue.name, queue]));

  const extensions = new Set<string>();
  const agents: ResolvedAgent[] = config.agents.map((agent, index) => {
    const path = `agents[${index}]`;
    if (typeof agent?.extension !== 'string' || !/^\d{2,6}$/.test(agent.extension)) {
      throw new ContactCentreConfigError(
        `${path}.extension`,
        `must be 2 to 6 digits (e.g. '1001'), got ${JSON.stringify(agent?.extension)}`,
      );
    }
    if (extensions.has(agent.extension)) {
      throw new ContactCentreConfigError(
        `${path}.extension`,
        `repeats extension ${agent.extension}`,
      );
    }
    extensions.add(agent.extension);
    if (typeof agent.name !== 'string' || agent.name.trim() === '') {
      throw new ContactCentreConfigError(`${path}.name`, 'must be a non-empty string');
    }
    const memberOf = agent.queues ?? [];
    if (!Array.isArray(memberOf)) {
      throw new ContactCentreConfigError(`${path}.queues`, 'must be an array of queue names');
    }
    memberOf.forEach((name, q) => {
      if (!queueByName.has(name)) {
        throw new ContactCentreConfigError(
          `${path}.queues[${q}]`,
          `names unknown queue '${name}' (queues: ${[...queueNames].join(', ') || 'none'})`,
        );
      }
    });
    if (agent.pausedReason !== undefined && typeof agent.pausedReason !== 'string') {
      throw new ContactCentreConfigError(`${path}.pausedReason`, 'must be a string');
    }
    return {
      extension: agent.extension,
      name: agent.name,
      queues: [...memberOf],
      pausedReason: agent.pausedReason,
      pausesPerHour: rate(agent.pausesPerHour ?? 0, `${path}.pausesPerHour`),
      outboundCallsPerHour: rate(agent.outboundCallsPerHour ?? 0, `${path}.outboundCallsPerHour`),
      directCallsPerHour: rate(agent.directCallsPerHour ?? 0, `${path}.directCallsPerHour`),
    };
  });

  config.queues.forEach((queue, index) => {
    (queue.agents ?? []).forEach((extension, a) => {
      const agent = agents.find((candidate) => candidate.extension === extension);
      if (!agent) {
        throw new ContactCentreConfigError(
          `queues[${index}].agents[${a}]`,
          `names unknown agent extension '${extension}'`,
        );
      }
      if (!agent.queues.includes(queue.name)) agent.queues.push(queue.name);
    });
  });
  // Members in agent order, queues in queue order: dispatch and events stay deterministic.
  for (const agent of agents) {
    agent.queues.sort(
      (a, b) => queues.findIndex((q) => q.name === a) - queues.findIndex((q) => q.name === b),
    );
    for (const name of agent.queues) queueByName.get(name)?.members.push(agent.extension);
  }
  for (const agent of agents) {
    if (agent.pausedReason !== undefined && agent.queues.length === 0) {
      throw new ContactCentreConfigError(
        `agents[${agents.indexOf(agent)}].pausedReason`,
        'needs queue membership (Asterisk pauses queue members)',
      );
    }
  }

  const trunk = config.trunk ?? 'trunk-operator';
  if (!/^[\w.-]+$/.test(trunk)) {
    throw new ContactCentreConfigError('trunk', `must be an endpoint name, got '${trunk}'`);
  }
  const keepFinishedCalls = config.keepFinishedCalls ?? 10_000;
  if (!Number.isInteger(keepFinishedCalls) || keepFinishedCalls < 0) {
    throw new ContactCentreConfigError('keepFinishedCalls', 'must be an integer ≥ 0');
  }
  return {
    seed: config.seed,
    startTimeMs,
    queues,
    agents,
    behaviour,
    trunk,
    trunkHost: config.trunkHost ?? 'sip.operator.example',
    language: config.language ?? 'fr',
    keepFinishedCalls,
  };
}

function resolveBehaviour(behaviour: CallBehaviour): ResolvedContactCentre['behaviour'] {
  const merged = { ...DEFAULT_BEHAVIOUR, ...stripUndefined(behaviour) };
  const path = (key: string) => `behaviour.${key}`;
  for (const key of [
    'ringNoAnswerProbability',
    'agentHangsUpProbability',
    'holdProbability',
    'blindTransferProbability',
    'attendedTransferProbability',
    'outboundAnswerProbability',
  ] as const) {
    probability(merged[key], path(key));
  }
  const midCall =
    merged.holdProbability + merged.blindTransferProbability + merged.attendedTransferProbability;
  if (midCall > 1 + 1e-9) {
    throw new ContactCentreConfigError(
      path('holdProbability'),
      `+ blindTransferProbability + attendedTransferProbability must not exceed 1 (one mid-call action per call), got ${midCall}`,
    );
  }
  for (const key of [
    'answerDelay',
    'holdDuration',
    'consultDuration',
    'outboundRingDuration',
    'outboundHandleTime',
    'pauseDuration',
  ] as const) {
    distribution(merged[key], path(key));
  }
  seconds(merged.greetingSeconds, path('greetingSeconds'));
  if (
    !Array.isArray(merged.pauseReasons) ||
    merged.pauseReasons.length === 0 ||
    merged.pauseReasons.some((reason) => typeof reason !== 'string' || reason === '')
  ) {
    throw new ContactCentreConfigError(path('pauseReasons'), 'must be non-empty strings');
  }
  const mix = { ...DEFAULT_CALLER_NUMBER_MIX, ...stripUndefined(behaviour.callerNumberMix ?? {}) };
  for (const format of CALLER_NUMBER_FORMATS) {
    finiteAtLeastZero(mix[format], path(`callerNumberMix.${format}`));
  }
  for (const key of Object.keys(mix)) {
    if (!(CALLER_NUMBER_FORMATS as readonly string[]).includes(key)) {
      throw new ContactCentreConfigError(
        path(`callerNumberMix.${key}`),
        `is not a format (${CALLER_NUMBER_FORMATS.join(', ')})`,
      );
    }
  }
  if (CALLER_NUMBER_FORMATS.every((format) => mix[format] === 0)) {
    throw new ContactCentreConfigError(path('callerNumberMix'), 'has every weight at zero');
  }
  return { ...merged, callerNumberMix: mix };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function finite(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ContactCentreConfigError(path, `must be a finite number, got ${String(value)}`);
  }
  return value;
}

function finiteAtLeastZero(value: unknown, path: string): number {
  const number = finite(value, path);
  if (number < 0) throw new ContactCentreConfigError(path, `must be ≥ 0, got ${number}`);
  return number;
}

function rate(value: unknown, path: string): number {
  return finiteAtLeastZero(value, path);
}

function seconds(value: unknown, path: string): number {
  return finiteAtLeastZero(value, path);
}

function positiveSeconds(value: unknown, path: string): number {
  const number = finite(value, path);
  if (number <= 0) throw new ContactCentreConfigError(path, `must be > 0, got ${number}`);
  return number;
}

function probability(value: unknown, path: string): number {
  const number = finite(value, path);
  if (number < 0 || number > 1) {
    throw new ContactCentreConfigError(path, `must be a probability in [0, 1], got ${number}`);
  }
  return number;
}

function distribution(value: SecondsDistribution, path: string): SecondsDistribution {
  const problem = secondsDistributionProblem(value);
  if (problem) throw new ContactCentreConfigError(path, problem);
  return value;
}

/**
 * A small French contact centre for demos: `support`, `sales` and `billing`, eight agents
 * (some in two queues), pauses, outbound and direct calls.
 */
export function demoContactCentreConfig(seed: number | string = 1): ContactCentreConfig {
  return {
    seed,
    queues: [
      { name: 'support', number: '0140000000', callsPerHour: 90, serviceLevelSeconds: 20 },
      {
        name: 'sales',
        number: '0140000001',
        callsPerHour: 40,
        wrapUpSeconds: 15,
        handleTime: { kind: 'lognormal', mean: 240, sigma: 0.5 },
      },
      {
        name: 'billing',
        number: '0140000002',
        callsPerHour: 25,
        maxWaitSeconds: 300,
        patience: { kind: 'exponential', mean: 120 },
      },
    ],
    agents: [
      { extension: '1001', name: 'Alice Dupont', queues: ['support', 'sales'], pausesPerHour: 1 },
      { extension: '1002', name: 'Bob Leroy', queues: ['support'], outboundCallsPerHour: 4 },
      { extension: '1003', name: 'Chloé Lambert', queues: ['support'], pausesPerHour: 1 },
      {
        extension: '1004',
        name: 'David Girard',
        queues: ['support', 'billing'],
        directCallsPerHour: 2,
      },
      { extension: '1005', name: 'Élise Faure', queues: ['sales'], outboundCallsPerHour: 6 },
      { extension: '1006', name: 'François Mercier', queues: ['sales', 'billing'] },
      { extension: '1007', name: 'Gaëlle Blanc', queues: ['billing'], pausedReason: 'Training' },
      { extension: '1008', name: 'Henri Caron', queues: ['support'], pausesPerHour: 2 },
    ],
  };
}
