import { type ResolvedContactCentre } from './contact-centre-config';
import { type SecondsDistribution, type SeededRandom } from './seeded-random';

/** Who ends a conversation: the customer (AMI `Reason: caller`) or the agent. */
export type HangupSide = 'customer' | 'agent';

/** One conversation leg; anything left out is drawn from the model. */
export interface LegScript {
  talkSeconds?: number;
  hangsUp?: HangupSide;
}

/** What happens once during an answered call. */
export type MidCallScript =
  | { kind: 'none' }
  | { kind: 'hold'; atSeconds?: number; holdSeconds?: number }
  | {
      kind: 'blind-transfer';
      /** Target extension; an available colleague by default. Skipped if not available then. */
      to?: string;
      atSeconds?: number;
      ringSeconds?: number;
      then?: LegScript;
    }
  | {
      kind: 'attended-transfer';
      to?: string;
      atSeconds?: number;
      ringSeconds?: number;
      consultSeconds?: number;
      then?: LegScript;
    };

export interface ConversationScript extends LegScript {
  midCall?: MidCallScript;
}

export interface CallerScript {
  /** `CallerIDNum`; a `2xxx`-style extension makes an internal caller. */
  number?: string;
  /** `CallerIDName`; `<unknown>` for none. */
  name?: string;
}

/** One ring: answered after so many seconds, or left to ring out. */
export type RingScript = number | 'no-answer';

/** A scripted queue call; every field left out is drawn from the model. */
export interface QueueCallScript extends ConversationScript {
  caller?: CallerScript;
  /** Seconds the caller waits in the queue before abandoning (`Infinity`: never). */
  patienceSeconds?: number;
  /** The offers to agents in order; later offers are drawn. */
  rings?: RingScript[];
}

/** A customer dialling an agent's direct line. */
export interface DirectCallScript extends ConversationScript {
  caller?: CallerScript;
  ring?: RingScript;
}

/** An agent calling out through the trunk. */
export interface OutboundCallScript extends LegScript {
  /** Number dialled, as the agent dials it. */
  number?: string;
  answered?: boolean;
  ringSeconds?: number;
  /** Put the called party on hold once (`null`: never). */
  hold?: { atSeconds?: number; holdSeconds?: number } | null;
}

export interface LegPlan {
  talkMs: number;
  hangsUp: HangupSide;
}

export type MidCallPlan =
  | { kind: 'none' }
  | { kind: 'hold'; atMs: number; holdMs: number }
  | { kind: 'blind-transfer'; atMs: number; to: string | undefined; ringMs: number; next: LegPlan }
  | {
      kind: 'attended-transfer';
      atMs: number;
      to: string | undefined;
      ringMs: number;
      consultMs: number;
      next: LegPlan;
    };

export interface ConversationPlan extends LegPlan {
  midCall: MidCallPlan;
}

/** Milliseconds in a ring, or a ring-out. */
export type RingPlan = number | 'no-answer';

/** Scripts are checked before anything happens, so a bad one fails where it was written. */
export class CallScriptError extends Error {
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'CallScriptError';
  }
}

const ms = (seconds: number) => Math.round(seconds * 1000);

/** Turns partial scripts into complete plans, drawing what they leave out. */
export class CallPlanner {
  constructor(
    private readonly random: SeededRandom,
    private readonly behaviour: ResolvedContactCentre['behaviour'],
  ) {}

  /** At least `min` seconds drawn from `distribution`. */
  seconds(distribution: SecondsDistribution, min = 1): number {
    return Math.max(min, this.random.seconds(distribution));
  }

  leg(handleTime: SecondsDistribution, script: LegScript | undefined): LegPlan {
    return {
      talkMs: ms(script?.talkSeconds ?? this.seconds(handleTime)),
      hangsUp:
        script?.hangsUp ??
        (this.random.chance(this.behaviour.agentHangsUpProbability) ? 'agent' : 'customer'),
    };
  }

  conversation(
    handleTime: SecondsDistribution,
    script: ConversationScript | undefined,
    transfers: boolean,
  ): ConversationPlan {
    const leg = this.leg(handleTime, script);
    const mid = script?.midCall ?? this.drawMidCall(transfers);
    const at = (atSeconds: number | undefined) =>
      atSeconds === undefined
        ? Math.round(leg.talkMs * this.random.uniform(0.2, 0.6))
        : ms(atSeconds);
    switch (mid.kind) {
      case 'none':
        return { ...leg, midCall: { kind: 'none' } };
      case 'hold': {
        const atMs = at(mid.atSeconds);
        const holdMs = ms(mid.holdSeconds ?? this.seconds(this.behaviour.holdDuration));
        // The call lasts at least until a second after the customer is taken off hold.
        const talkMs = Math.max(leg.talkMs, atMs + holdMs + 1000);
        return { ...leg, talkMs, midCall: { kind: 'hold', atMs, holdMs } };
      }
      case 'blind-transfer': {
        const atMs = at(mid.atSeconds);
        return {
          ...leg,
          talkMs: Math.max(leg.talkMs, atMs + 1000),
          midCall: {
            kind: 'blind-transfer',
            atMs,
            to: mid.to,
            ringMs: ms(mid.ringSeconds ?? this.seconds(this.behaviour.answerDelay)),
            next: this.leg(handleTime, mid.then),
          },
        };
      }
      case 'attended-transfer': {
        const atMs = at(mid.atSeconds);
        return {
          ...leg,
          talkMs: Math.max(leg.talkMs, atMs + 1000),
          midCall: {
            kind: 'attended-transfer',
            atMs,
            to: mid.to,
            ringMs: ms(mid.ringSeconds ?? this.seconds(this.behaviour.answerDelay)),
            consultMs: ms(mid.consultSeconds ?? this.seconds(this.behaviour.consultDuration)),
            next: this.leg(handleTime, mid.then),
          },
        };
      }
    }
  }

  ring(script: RingScript | undefined): RingPlan {
    if (script !== undefined) return script === 'no-answer' ? 'no-answer' : ms(script);
    if (this.random.chance(this.behaviour.ringNoAnswerProbability)) return 'no-answer';
    return ms(this.seconds(this.behaviour.answerDelay, 0.5));
  }

  private drawMidCall(transfers: boolean): MidCallScript {
    const { holdProbability, blindTransferProbability, attendedTransferProbability } =
      this.behaviour;
    const roll = this.random.next();
    if (roll < holdProbability) return { kind: 'hold' };
    if (!transfers) return { kind: 'none' };
    if (roll < holdProbability + blindTransferProbability) return { kind: 'blind-transfer' };
    if (roll < holdProbability + blindTransferProbability + attendedTransferProbability) {
      return { kind: 'attended-transfer' };
    }
    return { kind: 'none' };
  }
}

/** Throws `CallScriptError` for a negative, infinite or non-numeric duration in `script`. */
export function checkCallScript(where: string, script: object | undefined): void {
  if (script === undefined) return;
  const visit = (value: unknown, path: string) => {
    if (typeof value !== 'object' || value === null) return;
    for (const [key, field] of Object.entries(value)) {
      const at = `${path}.${key}`;
      if (key.endsWith('Seconds')) {
        const infiniteAllowed = key === 'patienceSeconds' && field === Infinity;
        if (typeof field !== 'number' || Number.isNaN(field) || field < 0) {
          throw new CallScriptError(
            where,
            `${at} must be a number of seconds ≥ 0, got ${String(field)}`,
          );
        }
        if (!Number.isFinite(field) && !infiniteAllowed) {
          throw new CallScriptError(where, `${at} must be finite, got ${String(field)}`);
        }
      } else if (key === 'hangsUp' && field !== 'customer' && field !== 'agent') {
        throw new CallScriptError(
          where,
          `${at} must be 'customer' or 'agent', got ${String(field)}`,
        );
      } else if (key === 'rings') {
        if (!Array.isArray(field)) throw new CallScriptError(where, `${at} must be an array`);
        field.forEach((ring: unknown, index) => {
          const ok =
            ring === 'no-answer' ||
            (typeof ring === 'number' && Number.isFinite(ring) && ring >= 0);
          if (!ok) {
            throw new CallScriptError(
              where,
              `${at}[${index}] must be seconds ≥ 0 or 'no-answer', got ${String(ring)}`,
            );
          }
        });
      } else if (key === 'ring') {
        const ok =
          field === 'no-answer' ||
          (typeof field === 'number' && Number.isFinite(field) && field >= 0);
        if (!ok) throw new CallScriptError(where, `${at} must be seconds ≥ 0 or 'no-answer'`);
      } else {
        visit(field, at);
      }
    }
  };
  visit(script, 'script');
  const mid = (script as { midCall?: { kind?: unknown } }).midCall;
  if (
    mid !== undefined &&
    !['none', 'hold', 'blind-transfer', 'attended-transfer'].includes(String(mid.kind))
  ) {
    throw new CallScriptError(
      where,
      `script.midCall.kind must be none, hold, blind-transfer or attended-transfer, got ${String(mid.kind)}`,
    );
  }
}
