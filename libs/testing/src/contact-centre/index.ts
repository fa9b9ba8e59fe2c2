export {
  ContactCentreSimulator,
  systemTimers as systemRealTimeTimers,
  type FloodOptions,
  type FloodResult,
  type FrameListener,
  type FrameStreamOptions,
  type RealTimeRun,
  type RealTimeTimers,
  type RunOptions,
} from './contact-centre-simulator';
export {
  ContactCentreConfigError,
  DEFAULT_START_TIME_MS,
  demoContactCentreConfig,
  resolveContactCentreConfig,
  type AgentConfig,
  type CallBehaviour,
  type ContactCentreConfig,
  type QueueConfig,
  type ResolvedContactCentre,
} from './contact-centre-config';
export {
  CallScriptError,
  type CallerScript,
  type ConversationScript,
  type DirectCallScript,
  type HangupSide,
  type LegScript,
  type MidCallScript,
  type OutboundCallScript,
  type QueueCallScript,
  type RingScript,
} from './call-plans';
export {
  CALLER_NUMBER_FORMATS,
  DEFAULT_CALLER_NUMBER_MIX,
  drawCallerIdentity,
  type CallerIdentity,
  type CallerNumberFormat,
  type CallerNumberMix,
} from './caller-identities';
export { SeededRandom, type SecondsDistribution } from './seeded-random';
// Prefixed: libs/testing re-exports every simulator, and these names are common.
export {
  type AgentState as SimulatedAgentState,
  type CallDirection as SimulatedCallDirection,
  type CallOutcome as SimulatedCallOutcome,
  type CallState as SimulatedCallState,
} from './contact-centre-state';
export {
  type ContactCentreGroundTruth,
  type ContactCentreTotals,
  type FinishedCall,
  type SimulatedAgent,
  type SimulatedCall,
  type SimulatedTransfer,
} from './ground-truth';
