import { UseGuards } from '@nestjs/common';
import { CrmAuthGuard } from '../auth/crm-auth.guard';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseIntPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import { actsFor, can, type Caller, Permission } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller';
import { ProvisionAcceptedDto, ProvisionListQueryDto } from './provision.dto';
import { ProvisionJobs } from './provision-jobs';
import { ProvisionStore } from './provision-store';

export const PROVISION_JOBS = Symbol('PROVISION_JOBS');
export const PROVISION_STORE = Symbol('PROVISION_STORE');
export const SIMPLE_RECHARGE_WAIT_MS = Symbol('SIMPLE_RECHARGE_WAIT_MS');

function parseFilters(raw: string | undefined): number[] | undefined {
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new DomainError(
      ErrorCode.InvalidInput,
      'filters must be JSON, e.g. {"provisioning_status":[2]}',
    );
  }
  const statuses = (parsed as { provisioning_status?: unknown }).provisioning_status;
  const keys = typeof parsed === 'object' && parsed !== null ? Object.keys(parsed) : [];
  if (
    keys.some((k) => k !== 'provisioning_status') ||
    (statuses !== undefined && !Array.isArray(statuses))
  ) {
    throw new DomainError(
      ErrorCode.InvalidInput,
      'filters supports {"provisioning_status":[0|1|2,...]}',
    );
  }
  const list = (statuses ?? []) as unknown[];
  if (!list.every((s) => s === 0 || s === 1 || s === 2)) {
    throw new DomainError(ErrorCode.InvalidInput, 'filters.provisioning_status holds 0, 1 or 2');
  }
  return list;
}

@ApiTags('provisioning')
@ApiBearerAuth()
@ApiSecurity('api-key')
@UseGuards(CrmAuthGuard)
@Controller('crm/provision')
export class ProvisionController {
  constructor(
    @Inject(PROVISION_JOBS) private readonly jobs: ProvisionJobs,
    @Inject(PROVISION_STORE) private readonly store: ProvisionStore,
    @Inject(SIMPLE_RECHARGE_WAIT_MS) private readonly rechargeWaitMs: number,
  ) {}

  @Put()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start a provisioning job (or `action: "deprovision"` with service_id/service_uuid)',
    description:
      'Body: product_id, customer_id, one inventory id per type of the product\'s inventory_items_list (e.g. "SIM Card": 5001; absent: the first Available one), and any variables overriding the product\'s provisioning_json_vars. Answers at once with status 1.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      example: { product_id: 42, customer_id: 123, 'SIM Card': 5001, 'Mobile Number': 5002 },
    },
  })
  @ApiOkResponse({ type: ProvisionAcceptedDto })
  provision(@Body() body: Record<string, unknown>, @CurrentCaller() caller: Caller) {
    return this.jobs.submit(body, caller);
  }

  @Put('chain')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Run several playbooks in sequence, each its own Provision; the service created by the first goes to the next',
  })
  @ApiBody({
    schema: {
      type: 'object',
      example: { customer_id: 123, steps: [{ product_id: 1 }, { product_id: 7 }] },
    },
  })
  chain(@Body() body: Record<string, unknown>, @CurrentCaller() caller: Caller) {
    const { steps, ...shared } = body;
    if (
      !Array.isArray(steps) ||
      !steps.every((s) => typeof s === 'object' && s !== null && !Array.isArray(s))
    ) {
      throw new DomainError(
        ErrorCode.InvalidInput,
        'steps must be a list of objects ({ product_id, ...variables })',
      );
    }
    return this.jobs.submitChain(shared, steps as Record<string, unknown>[], caller);
  }

  @Get()
  @ApiOperation({
    summary: 'Jobs, paged, sorted, filtered (filters={"provisioning_status":[2]}) and searched',
  })
  async list(@Query() query: ProvisionListQueryDto, @CurrentCaller() caller: Caller) {
    const own =
      !can(caller, Permission.VIEW_PROVISION) && !can(caller, Permission.CREATE_PROVISION);
    if (own && !can(caller, Permission.VIEW_OWN_PROVISION)) {
      throw new DomainError(ErrorCode.Forbidden, 'needs VIEW_PROVISION or VIEW_OWN_PROVISION');
    }
    const page = query.page ?? 1;
    const perPage = query.per_page ?? 20;
    const statuses = parseFilters(query.filters);
    const result = await this.store.list({
      page,
      perPage,
      sort: query.sort ?? 'provision_id',
      order: query.order ?? 'desc',
      ...(statuses ? { statuses } : {}),
      ...(query.search ? { search: query.search } : {}),
      ...(own || caller.kind === 'customer' ? { customerId: caller.customerId ?? -1 } : {}),
    });
    return { data: result.data, page, per_page: perPage, total: result.total };
  }

  @Get('provision_id/:id')
  @ApiOperation({ summary: 'One job with its ordered task events (poll while status is 1)' })
  get(@Param('id', ParseIntPipe) id: number, @CurrentCaller() caller: Caller) {
    return this.jobs.get(id, caller);
  }

  @Post('provision_id/:id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a queued or running job: its processes stop, its rescue (rollback) still runs',
  })
  cancel(@Param('id', ParseIntPipe) id: number, @CurrentCaller() caller: Caller) {
    return this.jobs.cancel(id, caller);
  }

  @Post('simple_provision_addon/service_id/:sid/product_id/:pid')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Addon on a service, for automated callers (OCS ActionPlans); API key or IP allow-list',
  })
  @ApiOkResponse({ type: ProvisionAcceptedDto })
  simpleAddon(
    @Param('sid', ParseIntPipe) sid: number,
    @Param('pid', ParseIntPipe) pid: number,
    @CurrentCaller() caller: Caller,
  ) {
    this.automated(caller);
    return this.jobs.submitSimple(sid, pid, caller);
  }

  @Post('simple_provision_addon_recharge/service_id/:sid/product_id/:pid')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Recharge needing an immediate answer: waits for the job (bounded) and returns it',
  })
  async simpleRecharge(
    @Param('sid', ParseIntPipe) sid: number,
    @Param('pid', ParseIntPipe) pid: number,
    @CurrentCaller() caller: Caller,
  ) {
    this.automated(caller);
    const accepted = await this.jobs.submitSimple(sid, pid, caller);
    await this.jobs.waitFor(accepted.provision_id, this.rechargeWaitMs);
    return this.jobs.get(accepted.provision_id, caller);
  }

  /** Seed: the simple endpoints are for trusted systems (IP allow-list or API key). */
  private automated(caller: Caller): void {
    if (
      caller.kind !== 'api_key' &&
      caller.kind !== 'ip' &&
      !can(caller, Permission.CREATE_PROVISION)
    ) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'simple provisioning is for API keys, allow-listed systems and staff',
      );
    }
    if (caller.kind === 'customer' && !actsFor(caller, caller.customerId))
      throw new DomainError(ErrorCode.Forbidden, 'forbidden');
  }
}
