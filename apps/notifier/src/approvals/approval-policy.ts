import {
  ArrayNotEmpty,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
} from 'class-validator';
import { RoutingConfigError, subjectGlob, validatePlain } from '@telcomesh/notifier-routing';

/** One `required_approvals` entry: who must approve changes to matching keys, and how long they have. */
export class ApprovalRuleConfig {
  @IsArray()
  @ArrayNotEmpty()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  approvers!: string[];

  @IsInt()
  @Min(1)
  min_approvals!: number;

  /** Seconds (the seed writes `3600  # 1 hour`). */
  @IsInt()
  @Min(1)
  @Max(30 * 24 * 3600)
  timeout!: number;
}

/** `integrations.approvals` as in the seed. */
export class ApprovalsConfig {
  /** Key pattern → rule; each rule is validated on its own so a problem names its pattern. */
  @IsObject()
  required_approvals: Record<string, unknown> = {};

  /** Integrations that receive approval requests and decisions (by name, e.g. email, slack, jira). */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  approval_methods: string[] = [];
}

export interface ApprovalRule {
  pattern: string;
  approvers: string[];
  minApprovals: number;
  timeoutMs: number;
}

export interface ApprovalPolicy {
  rules: ApprovalRule[];
  methods: string[];
}

export const NO_APPROVALS: ApprovalPolicy = { rules: [], methods: [] };

/** Validates `{ required_approvals: { "*.database.*": { approvers, min_approvals, timeout } }, approval_methods }`. */
export function parseApprovalPolicy(raw: unknown): ApprovalPolicy {
  const top = validatePlain(ApprovalsConfig, raw, '');
  // Rules are checked even when the top level has problems: one answer names them all.
  const problems: string[] = [...top.problems];
  const given =
    typeof raw === 'object' && raw !== null && 'required_approvals' in raw
      ? raw.required_approvals
      : {};
  const entries =
    typeof given === 'object' && given !== null && !Array.isArray(given)
      ? Object.entries(given)
      : [];
  const rules: ApprovalRule[] = [];
  for (const [pattern, value] of entries) {
    const result = validatePlain(ApprovalRuleConfig, value, `required_approvals.${pattern}`);
    problems.push(...result.problems);
    const rule = result.value;
    if (!rule) continue;
    const approvers = [...new Set(rule.approvers)];
    if (rule.min_approvals > approvers.length) {
      problems.push(
        `required_approvals.${pattern}.min_approvals: ${rule.min_approvals} exceeds the ${approvers.length} distinct approvers`,
      );
    }
    rules.push({
      pattern,
      approvers,
      minApprovals: rule.min_approvals,
      timeoutMs: rule.timeout * 1000,
    });
  }
  if (problems.length > 0) throw new RoutingConfigError('approvals', problems);
  return { rules, methods: top.value?.approval_methods ?? [] };
}

/**
 * The rule a change of `key` falls under: the first pattern matching the key (a rule such as
 * `integrations.*` guards every integration; `*.notifications` the routes), or undefined when the
 * change applies at once.
 */
export function approvalRuleFor(policy: ApprovalPolicy, key: string): ApprovalRule | undefined {
  return policy.rules.find((rule) => subjectGlob(rule.pattern)(key));
}
