export { ManualClock, systemClock, type Clock } from './clock';
export { RoutingConfigError, validatePlain } from './config-error';
export { formatDuration, parseDuration } from './duration';
export {
  DEFAULT_GROUPING,
  GROUP_BY_ALL,
  GroupingConfigInput,
  NotificationGrouper,
  parseGroupingConfig,
  planGroupFlush,
  renderGroupNotification,
  type GroupFlush,
  type GroupFlushPlan,
  type GroupFlushState,
  type GrouperOptions,
  type GroupingConfig,
} from './grouping';
export {
  SEVERITIES,
  notificationLabels,
  severityRank,
  type NotificationLike,
  type Severity,
} from './notification-like';
export {
  RateLimitConfig,
  TokenBucketLimiter,
  parseRateLimits,
  type RateLimit,
  type TakeResult,
} from './rate-limit';
export {
  RouteRuleConfig,
  URGENCIES,
  deliveryTargets,
  parseRouteRules,
  routeNotification,
  ruleMatches,
  subjectGlob,
  type RouteMatch,
  type RouteRule,
  type Urgency,
} from './route-rules';
export {
  SilenceConfig,
  activeSilences,
  isSilenced,
  matcherMatches,
  parseMatcher,
  parseSilence,
  parseSilences,
  silenceState,
  type MatchOperator,
  type Matcher,
  type Silence,
  type SilenceState,
} from './silences';
