/** Contact-centre alert rules of the call monitor (issue 7): pure and clock-driven. */
export {
  CallAlertInputError,
  CallAlertRules,
  callAlertId,
  type CallAlertLogger,
  type CallAlertRulesOptions,
} from './call-alert-rules';
export type { AgentFacts, ContactCentreFacts, QueueFacts } from './call-alert-facts';
export type {
  CallAlertRulesState,
  SavedFinishedCall,
  TrackedAlertState,
} from './call-alert-rules.state';
export type { ResolvedReason } from './alert-summaries';
export {
  FINISHED_CALL_OUTCOMES,
  finishedCallOf,
  type FinishedCall,
  type FinishedCallOutcome,
} from './finished-call-window';
export {
  AlertPolicyError,
  BUILT_IN_ALERT_POLICY,
  resolvePolicy,
  validateQueueAlertPolicy,
  type CallAlertRuleName,
  type EffectiveAlertPolicy,
  type QueueRuleName,
  type ServiceLevelRule,
  type ThresholdRule,
  type WindowedRule,
} from './queue-alert-policy';
export * from './queue-alert-policy.dto';
