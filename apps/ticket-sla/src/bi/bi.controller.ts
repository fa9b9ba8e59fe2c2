import { Controller, Get, Header, Inject, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { csvHeader, csvRows, DomainError, ErrorCode, type CsvColumn } from '@telcomesh/platform';
import type { Response } from 'express';
import { TicketSlaCore } from '../ticket-sla-core';
import type {
  BiFilter,
  BiPeriod,
  BreachCauseRow,
  ComplianceRow,
  LiveList,
  LiveSlaRow,
  TimeToRow,
} from './bi-queries';
import {
  BiFilterDto,
  BiPeriodDto,
  ComplianceQueryDto,
  LiveListQueryDto,
  TimeToQueryDto,
} from './bi.dto';

const DAY_MS = 86_400_000;
/** Longest period one request may cover (the daily trend returns one row a day). */
const MAX_PERIOD_DAYS = 3 * 366;

function filterOf(q: BiFilterDto): BiFilter {
  return {
    ...(q.tenant === undefined ? {} : { tenantId: q.tenant }),
    ...(q.system === undefined ? {} : { system: q.system }),
    ...(q.target === undefined ? {} : { target: q.target }),
    ...(q.priority === undefined ? {} : { priority: q.priority }),
    ...(q.department === undefined ? {} : { department: q.department }),
  };
}

function periodOf(q: BiPeriodDto, now: number): BiPeriod {
  const to = q.to === undefined ? new Date(now) : new Date(q.to);
  const from = q.from === undefined ? new Date(to.getTime() - 30 * DAY_MS) : new Date(q.from);
  if (from >= to) throw new DomainError(ErrorCode.InvalidInput, 'from: must be before to');
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw new DomainError(ErrorCode.InvalidInput, `from..to: at most ${MAX_PERIOD_DAYS} days`);
  }
  return { from, to, timeZone: q.tz ?? 'UTC' };
}

const minutes = (ms: number | null) => (ms === null ? null : Math.round(ms / 600) / 100);
const departmentsCell = (row: LiveSlaRow) =>
  row.departments
    .slice(0, 5)
    .map((d) => `${d.department ?? '(unassigned)'}: ${minutes(d.businessMs)} min`)
    .join('; ');

const LIVE_COLUMNS: CsvColumn<LiveSlaRow>[] = [
  { header: 'ticket_key', value: (r) => r.ticketKey },
  { header: 'system', value: (r) => r.system },
  { header: 'title', value: (r) => r.title },
  { header: 'status', value: (r) => r.status },
  { header: 'priority', value: (r) => r.priority },
  { header: 'customer', value: (r) => r.customer },
  { header: 'department', value: (r) => r.department },
  { header: 'target', value: (r) => r.target },
  { header: 'policy', value: (r) => r.policyName },
  { header: 'state', value: (r) => r.state },
  { header: 'target_minutes', value: (r) => minutes(r.targetMs) },
  { header: 'elapsed_minutes', value: (r) => minutes(r.elapsedMs) },
  { header: 'due_at', value: (r) => r.dueAt },
  { header: 'risk_share', value: (r) => r.riskShare },
  { header: 'breach_at', value: (r) => r.breachAt },
  { header: 'breach_department', value: (r) => r.breachDepartment },
  { header: 'departments_by_time', value: departmentsCell },
  { header: 'paused_since', value: (r) => r.pausedSince },
  { header: 'created_at', value: (r) => r.ticketCreatedAt },
  { header: 'url', value: (r) => r.url },
];

const COMPLIANCE_COLUMNS: CsvColumn<ComplianceRow>[] = [
  { header: 'key', value: (r) => r.key },
  { header: 'met', value: (r) => r.met },
  { header: 'breached', value: (r) => r.breached },
  { header: 'total', value: (r) => r.total },
  { header: 'compliance_pct', value: (r) => r.compliancePct },
];

const TIME_TO_COLUMNS: CsvColumn<TimeToRow>[] = [
  { header: 'key', value: (r) => r.key },
  { header: 'target', value: (r) => r.target },
  { header: 'metric', value: (r) => (r.target === 'response' ? 'MTTA' : 'MTTR') },
  { header: 'count', value: (r) => r.count },
  { header: 'mean_business_minutes', value: (r) => minutes(r.meanBusinessMs) },
  { header: 'mean_wall_minutes', value: (r) => minutes(r.meanWallMs) },
];

const CAUSE_COLUMNS: CsvColumn<BreachCauseRow>[] = [
  { header: 'department', value: (r) => r.department },
  { header: 'breaches_held', value: (r) => r.breachesHeld },
  { header: 'breaches_top_consumer', value: (r) => r.breachesTopConsumer },
  { header: 'budget_consumed_minutes', value: (r) => minutes(r.budgetConsumedMs) },
];

/**
 * The NTTM-BI dashboard's API (seed 001): compliance, trends, MTTA/MTTR, breach causes by
 * department, and the live lists (breached, at risk, paused) with their cause department, each
 * also as CSV. Reads `sla_state` only, so a wall display can poll it on any number of tickets.
 */
@ApiTags('bi')
@Controller('bi')
export class BiController {
  constructor(@Inject(TicketSlaCore) private readonly core: TicketSlaCore) {}

  @Get('summary')
  @ApiOperation({
    summary: 'Headline counts for the wall display: open targets, breached, at risk, paused',
  })
  summary(@Query() q: BiFilterDto) {
    return this.core.bi.summary(filterOf(q));
  }

  @Get('compliance')
  @ApiOperation({
    summary:
      'SLA compliance (met / (met + breached)) of targets decided in the period, overall or by department, priority, target, day, week or month',
  })
  @ApiOkResponse({ description: 'Rows `{ key, met, breached, total, compliancePct }`' })
  compliance(@Query() q: ComplianceQueryDto): Promise<ComplianceRow[]> {
    return this.core.bi.compliance(
      periodOf(q, this.core.clock.now()),
      filterOf(q),
      q.group_by ?? 'none',
    );
  }

  @Get('compliance.csv')
  @ApiOperation({ summary: 'Export: compliance as CSV' })
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="sla-compliance.csv"')
  async complianceCsv(@Query() q: ComplianceQueryDto): Promise<string> {
    return csvHeader(COMPLIANCE_COLUMNS) + csvRows(COMPLIANCE_COLUMNS, await this.compliance(q));
  }

  @Get('trend')
  @ApiOperation({
    summary:
      'Daily trend: met, breached and compliance per day of the period (days without outcomes included)',
  })
  trend(@Query() q: BiPeriodDto): Promise<ComplianceRow[]> {
    return this.core.bi.dailyTrend(periodOf(q, this.core.clock.now()), filterOf(q));
  }

  @Get('trend.csv')
  @ApiOperation({ summary: 'Export: the daily trend as CSV' })
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="sla-trend.csv"')
  async trendCsv(@Query() q: BiPeriodDto): Promise<string> {
    return csvHeader(COMPLIANCE_COLUMNS) + csvRows(COMPLIANCE_COLUMNS, await this.trend(q));
  }

  @Get('mtta-mttr')
  @ApiOperation({
    summary:
      'MTTA (response targets) and MTTR (resolution targets) of tickets responded / resolved in the period: mean business and wall time',
  })
  timeTo(@Query() q: TimeToQueryDto): Promise<TimeToRow[]> {
    return this.core.bi.timeTo(
      periodOf(q, this.core.clock.now()),
      filterOf(q),
      q.group_by ?? 'none',
    );
  }

  @Get('mtta-mttr.csv')
  @ApiOperation({ summary: 'Export: MTTA / MTTR as CSV' })
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="sla-mtta-mttr.csv"')
  async timeToCsv(@Query() q: TimeToQueryDto): Promise<string> {
    return csvHeader(TIME_TO_COLUMNS) + csvRows(TIME_TO_COLUMNS, await this.timeTo(q));
  }

  @Get('breach-causes')
  @ApiOperation({
    summary:
      'Breaches of the period by department: held at the breach, consumed most of the budget, business time consumed',
  })
  breachCauses(@Query() q: BiPeriodDto): Promise<BreachCauseRow[]> {
    return this.core.bi.breachCauses(periodOf(q, this.core.clock.now()), filterOf(q));
  }

  @Get('breach-causes.csv')
  @ApiOperation({ summary: 'Export: breach causes as CSV' })
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="sla-breach-causes.csv"')
  async breachCausesCsv(@Query() q: BiPeriodDto): Promise<string> {
    return csvHeader(CAUSE_COLUMNS) + csvRows(CAUSE_COLUMNS, await this.breachCauses(q));
  }

  @Get('breaches')
  @ApiOperation({
    summary:
      'Open tickets past their SLA target now, oldest breach first, with the cause department',
  })
  @ApiOkResponse({ description: '`{ total, rows }`' })
  breaches(@Query() q: LiveListQueryDto) {
    return this.live('breached', q);
  }

  @Get('breaches.csv')
  @ApiOperation({ summary: 'Export: every current breach as CSV (streamed)' })
  @ApiProduces('text/csv')
  breachesCsv(@Query() q: BiFilterDto, @Res() res: Response): Promise<void> {
    return this.liveCsv('breached', q, res, 'sla-breaches.csv');
  }

  @Get('at-risk')
  @ApiOperation({
    summary: 'Open tickets past an at-risk threshold and not breached yet, soonest due first',
  })
  atRisk(@Query() q: LiveListQueryDto) {
    return this.live('at_risk', q);
  }

  @Get('at-risk.csv')
  @ApiOperation({ summary: 'Export: every ticket at risk now as CSV (streamed)' })
  @ApiProduces('text/csv')
  atRiskCsv(@Query() q: BiFilterDto, @Res() res: Response): Promise<void> {
    return this.liveCsv('at_risk', q, res, 'sla-at-risk.csv');
  }

  @Get('paused')
  @ApiOperation({
    summary:
      "Tickets whose SLA clock is paused now (the seed's stopped tickets), longest paused first",
  })
  paused(@Query() q: LiveListQueryDto) {
    return this.live('paused', q);
  }

  @Get('paused.csv')
  @ApiOperation({ summary: 'Export: every paused ticket as CSV (streamed)' })
  @ApiProduces('text/csv')
  pausedCsv(@Query() q: BiFilterDto, @Res() res: Response): Promise<void> {
    return this.liveCsv('paused', q, res, 'sla-paused.csv');
  }

  private live(list: LiveList, q: LiveListQueryDto) {
    return this.core.bi.live(list, filterOf(q), q.limit ?? 100, q.offset ?? 0);
  }

  private async liveCsv(
    list: LiveList,
    q: BiFilterDto,
    res: Response,
    filename: string,
  ): Promise<void> {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
    res.write(csvHeader(LIVE_COLUMNS));
    for await (const page of this.core.bi.scanLive(list, filterOf(q))) {
      if (!res.write(csvRows(LIVE_COLUMNS, page))) {
        await new Promise<void>((resolve) => res.once('drain', () => resolve()));
      }
    }
    res.end();
  }
}
