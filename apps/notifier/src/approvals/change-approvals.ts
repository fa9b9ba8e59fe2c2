import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditOutcome, create, Topics, timestampFromDate } from '@telcomesh/contracts';
import type { EventOutbox } from '@telcomesh/messaging';
import type { Notification } from '@telcomesh/notifier-integrations';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import type { ControlPlane, PreparedChange } from '../control/control-plane';
import type { NotificationPipeline } from '../intake/notification-pipeline';
import { approvalRuleFor } from './approval-policy';

export type ChangeRequestStatus = 'pending' | 'applied' | 'rejected' | 'expired';

export interface Approval {
  approver: string;
  at: string;
  comment?: string;
}

export interface ChangeRequest {
  id: string;
  key: string;
  action: 'put' | 'delete';
  policy: string;
  approvers: string[];
  minApprovals: number;
  approvals: Approval[];
  status: ChangeRequestStatus;
  requestedBy: string;
  reason: string;
  expiresAt: Date;
  createdAt: Date;
  decidedAt: Date | null;
  decision: string | null;
}

interface Row {
  id: string;
  key: string;
  action: 'put' | 'delete';
  new_value: unknown;
  policy: string;
  approvers: string[];
  min_approvals: number;
  approvals: Approval[];
  status: ChangeRequestStatus;
  requested_by: string;
  reason: string;
  expires_at: Date;
  created_at: Date;
  decided_at: Date | null;
  decision: string | null;
}

function toRequest(row: Row): ChangeRequest {
  return {
    id: row.id,
    key: row.key,
    action: row.action,
    policy: row.policy,
    approvers: row.approvers,
    minApprovals: row.min_approvals,
    approvals: row.approvals,
    status: row.status,
    requestedBy: row.requested_by,
    reason: row.reason,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
    decidedAt: row.decided_at ? new Date(row.decided_at) : null,
    decision: row.decision,
  };
}

/** What submitting a change did. */
export type SubmitResult =
  | { status: 'applied'; key: string }
  | { status: 'unchanged'; key: string }
  | { status: 'pending_approval'; request: ChangeRequest };

/**
 * The seed's approval workflow for changes to routes and integrations: a change whose key matches
 * a `required_approvals` pattern waits as a request until `min_approvals` distinct listed
 * approvers approve it (then it applies) or its `timeout` passes (then it expires). One listed
 * approver rejecting ends it. Requests and decisions are told through the `approval_methods`
 * integrations (and any route matching kind `approval`) and written to `audit.v1`.
 */
export class ChangeApprovals {
  private readonly table: string;

  constructor(
    private readonly control: ControlPlane,
    private readonly events: EventOutbox,
    private readonly pipeline: NotificationPipeline,
    schema: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.table = `"${schema}"."change_requests"`;
  }

  /** Applies a change at once, or files it for approval when its key is guarded. */
  async submit(key: string, value: unknown, actor: string, reason: string): Promise<SubmitResult> {
    const change = this.control.prepare(key, value);
    const rule = approvalRuleFor(this.control.current.approvals, key);
    if (!rule) {
      if (!(await this.control.differs(change))) return { status: 'unchanged', key };
      await this.control.apply(change, actor, reason, 'api');
      return { status: 'applied', key };
    }
    const now = this.clock();
    const request = await this.events.transaction(async (m) => {
      const [row] = await m.query<Row[]>(
        `INSERT INTO ${this.table} ("id", "key", "action", "new_value", "policy", "approvers", "min_approvals",
           "status", "requested_by", "reason", "expires_at", "created_at")
         VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7, 'pending', $8, $9, $10, $11) RETURNING *`,
        [
          randomUUID(),
          key,
          change.action,
          change.value === undefined ? null : JSON.stringify(change.value),
          rule.pattern,
          JSON.stringify(rule.approvers),
          rule.minApprovals,
          actor,
          reason,
          new Date(now + rule.timeoutMs),
          new Date(now),
        ],
      );
      const request = toRequest(row);
      await this.record(m, request, actor, 'config.change.request', AuditOutcome.SUCCESS);
      return request;
    });
    return { status: 'pending_approval', request };
  }

  async list(status?: ChangeRequestStatus): Promise<ChangeRequest[]> {
    const rows = await this.events.transaction((m) =>
      m.query<Row[]>(
        `SELECT * FROM ${this.table} ${status ? `WHERE "status" = $1` : ''} ORDER BY "created_at" DESC LIMIT 500`,
        status ? [status] : [],
      ),
    );
    return rows.map(toRequest);
  }

  async get(id: string): Promise<ChangeRequest> {
    const rows = await this.events.transaction((m) =>
      m.query<Row[]>(`SELECT * FROM ${this.table} WHERE "id" = $1`, [id]),
    );
    if (!rows[0]) throw new DomainError(ErrorCode.NotFound, `change request ${id} does not exist`);
    return toRequest(rows[0]);
  }

  /** One listed approver approves; the change applies when enough have. */
  async approve(id: string, approver: string, comment = ''): Promise<ChangeRequest> {
    const request = await this.decide(id, approver, async (m, row) => {
      if (row.approvals.some((a) => a.approver.toLowerCase() === approver.toLowerCase())) {
        throw new DomainError(ErrorCode.Conflict, `${approver} has already approved request ${id}`);
      }
      const approvals = [
        ...row.approvals,
        { approver, at: new Date(this.clock()).toISOString(), ...(comment ? { comment } : {}) },
      ];
      const enough = approvals.length >= row.min_approvals;
      if (enough) {
        const change: PreparedChange = this.control.prepareStored(row.key, row.new_value);
        await this.control.apply(
          change,
          row.requested_by,
          this.appliedReason(row, approvals),
          'approval',
          m,
        );
      }
      return {
        approvals,
        status: enough ? 'applied' : 'pending',
        decision: enough ? `approved by ${approvals.map((a) => a.approver).join(', ')}` : null,
        audit: enough ? 'config.change.apply' : 'config.change.approve',
      };
    });
    if (request.status === 'applied') await this.control.load();
    return request;
  }

  /** One listed approver rejects: the request ends and nothing changes. */
  async reject(id: string, approver: string, comment = ''): Promise<ChangeRequest> {
    return this.decide(id, approver, (_m, row) =>
      Promise.resolve({
        approvals: row.approvals,
        status: 'rejected',
        decision: `rejected by ${approver}${comment ? `: ${comment}` : ''}`,
        audit: 'config.change.reject',
      }),
    );
  }

  /** Expires every pending request whose timeout has passed; returns how many. */
  async expireDue(): Promise<number> {
    const now = new Date(this.clock());
    return this.events.transaction(async (m) => {
      const [rows] = await m.query<[Row[], number]>(
        `UPDATE ${this.table} SET "status" = 'expired', "decided_at" = $1,
                "decision" = 'expired: not enough approvals before the timeout'
          WHERE "status" = 'pending' AND "expires_at" <= $1 RETURNING *`,
        [now],
      );
      for (const row of rows) {
        await this.record(
          m,
          toRequest(row),
          'system:notifier',
          'config.change.expire',
          AuditOutcome.FAILURE,
        );
      }
      return rows.length;
    });
  }

  private appliedReason(row: Row, approvals: Approval[]): string {
    const by = approvals.map((a) => a.approver).join(', ');
    return `${row.reason || 'change'} (approved by ${by}; request ${row.id})`;
  }

  private async decide(
    id: string,
    approver: string,
    decision: (
      m: EntityManager,
      row: Row,
    ) => Promise<{
      approvals: Approval[];
      status: ChangeRequestStatus;
      decision: string | null;
      audit: string;
    }>,
  ): Promise<ChangeRequest> {
    const now = new Date(this.clock());
    return this.events.transaction(async (m) => {
      const rows = await m.query<Row[]>(`SELECT * FROM ${this.table} WHERE "id" = $1 FOR UPDATE`, [
        id,
      ]);
      const row = rows[0];
      if (!row) throw new DomainError(ErrorCode.NotFound, `change request ${id} does not exist`);
      if (row.status !== 'pending') {
        throw new DomainError(ErrorCode.Conflict, `change request ${id} is ${row.status}`);
      }
      if (new Date(row.expires_at).getTime() <= now.getTime()) {
        throw new DomainError(ErrorCode.Conflict, `change request ${id} has expired`);
      }
      if (!row.approvers.some((a) => a.toLowerCase() === approver.toLowerCase())) {
        await this.record(
          m,
          toRequest(row),
          approver,
          'config.change.approve',
          AuditOutcome.DENIED,
        );
        throw new DomainError(
          ErrorCode.Forbidden,
          `${approver} is not an approver of ${row.key} (policy ${row.policy})`,
        );
      }
      const result = await decision(m, row);
      const [[updated]] = await m.query<[Row[], number]>(
        `UPDATE ${this.table} SET "approvals" = $2::jsonb, "status" = $3, "decision" = $4,
                "decided_at" = CASE WHEN $3 = 'pending' THEN NULL ELSE $5::timestamptz END
          WHERE "id" = $1 RETURNING *`,
        [id, JSON.stringify(result.approvals), result.status, result.decision, now],
      );
      const request = toRequest(updated);
      await this.record(m, request, approver, result.audit, AuditOutcome.SUCCESS);
      return request;
    });
  }

  /** Audits the step and tells the approval channels about it. */
  private async record(
    m: EntityManager,
    request: ChangeRequest,
    actor: string,
    action: string,
    outcome: AuditOutcome,
  ): Promise<void> {
    await this.events.stage(
      m,
      Topics.Audit,
      create(Topics.Audit, {
        id: randomUUID(),
        actor,
        action,
        resource: `change-request/${request.id}`,
        outcome,
        at: timestampFromDate(new Date(this.clock())),
        details: {
          key: request.key,
          status: request.status,
          approvals: String(request.approvals.length),
          min_approvals: String(request.minApprovals),
        },
      }),
    );
    if (outcome === AuditOutcome.DENIED) return;
    await this.pipeline.accept(m, this.notificationOf(request, action), {
      direct: this.control.current.approvals.methods,
    });
  }

  private notificationOf(request: ChangeRequest, action: string): Notification {
    const step = action.split('.').pop() ?? action;
    const titles: Record<string, string> = {
      request: `Approval needed: ${request.key}`,
      approve: `Approved (${request.approvals.length}/${request.minApprovals}): ${request.key}`,
      apply: `Change applied after approval: ${request.key}`,
      reject: `Change rejected: ${request.key}`,
      expire: `Approval request expired: ${request.key}`,
    };
    return {
      id: `approval-${request.id}-${step}-${request.approvals.length}`,
      kind: 'approval',
      subject: request.key,
      title: titles[step] ?? `${step}: ${request.key}`,
      summary:
        step === 'request'
          ? `${request.requestedBy} wants to ${request.action === 'delete' ? 'delete' : 'change'} ${request.key}: ${request.minApprovals} of ${request.approvers.join(', ')} must approve before ${request.expiresAt.toISOString()}.`
          : (request.decision ??
            `${request.approvals.length} of ${request.minApprovals} approvals`),
      severity: step === 'request' ? 'warning' : 'info',
      status: step === 'request' || step === 'approve' ? 'firing' : 'resolved',
      fields: [
        { name: 'Key', value: request.key },
        { name: 'Requested By', value: request.requestedBy },
        { name: 'Reason', value: request.reason || '—' },
        { name: 'Approvers', value: request.approvers.join(', ') },
        { name: 'Approvals', value: `${request.approvals.length} of ${request.minApprovals}` },
        { name: 'Expires', value: request.expiresAt.toISOString() },
        { name: 'Request', value: request.id },
      ],
      labels: { change_request: request.id, config_key: request.key, policy: request.policy },
      occurredAt: new Date(this.clock()),
      count: 1,
    };
  }
}
