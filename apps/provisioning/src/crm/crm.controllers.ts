import { UseGuards } from '@nestjs/common';
import { CrmAuthGuard } from '../auth/crm-auth.guard';
import {
  Body,
  Controller,
  Get,
  Inject,
  Param,
  ParseIntPipe,
  Patch,
  Put,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import {
  actsFor,
  type Caller,
  Permission,
  requireCustomer,
  requirePermission,
} from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller';
import {
  CustomerInputDto,
  CustomerQueryDto,
  InventoryBatchDto,
  InventoryPatchDto,
  InventoryQueryDto,
  ProductInputDto,
  ServiceInputDto,
  TransactionInputDto,
} from './crm.dto';
import { CrmStore, type InventoryItem } from './crm-store';

export const CRM_STORE = Symbol('CRM_STORE');

/** Shown instead of a SIM's Ki/OPc to anyone but the job that provisions it. */
export const HIDDEN = '[redacted]';

/** Ki and OPc leave the CRM only for the job holding the SIM (to program the HSS). */
export function shownItem(item: InventoryItem, caller: Caller): InventoryItem {
  const holder =
    caller.kind === 'job' &&
    ((caller.provisionId !== undefined && item.reserved_by === caller.provisionId) ||
      (caller.customerId !== undefined && item.customer_id === caller.customerId));
  if (holder) return item;
  return { ...item, ki: item.ki ? HIDDEN : null, opc: item.opc ? HIDDEN : null };
}

@ApiTags('crm')
@ApiBearerAuth()
@ApiSecurity('api-key')
@UseGuards(CrmAuthGuard)
@Controller('crm/product')
export class ProductController {
  constructor(@Inject(CRM_STORE) private readonly crm: CrmStore) {}

  @Put()
  @ApiOperation({ summary: 'Add a product to the catalogue (MANAGE_CATALOGUE)' })
  create(@Body() body: ProductInputDto, @CurrentCaller() caller: Caller) {
    requirePermission(caller, Permission.MANAGE_CATALOGUE);
    return this.crm.createProduct(body);
  }

  @Get()
  @ApiOperation({ summary: 'The catalogue' })
  list() {
    return this.crm.products();
  }

  @Get('product_id/:id')
  @ApiOperation({ summary: 'One product (playbooks read provisioning vars and costs here)' })
  get(@Param('id', ParseIntPipe) id: number) {
    return this.crm.product(id);
  }
}

@ApiTags('crm')
@ApiBearerAuth()
@ApiSecurity('api-key')
@UseGuards(CrmAuthGuard)
@Controller('crm/customer')
export class CustomerController {
  constructor(@Inject(CRM_STORE) private readonly crm: CrmStore) {}

  @Put()
  @ApiOperation({ summary: 'Add a customer (MANAGE_CUSTOMER)' })
  create(@Body() body: CustomerInputDto, @CurrentCaller() caller: Caller) {
    requirePermission(caller, Permission.MANAGE_CUSTOMER);
    return this.crm.createCustomer(body);
  }

  @Get()
  @ApiOperation({ summary: 'Customers (a customer sees only itself)' })
  async list(@CurrentCaller() caller: Caller) {
    return (await this.crm.customers()).filter((c) => actsFor(caller, c.customer_id));
  }

  @Get('customer_id/:id')
  async get(@Param('id', ParseIntPipe) id: number, @CurrentCaller() caller: Caller) {
    requireCustomer(caller, id, `customer ${id}`);
    return this.crm.customer(id);
  }
}

@ApiTags('crm')
@ApiBearerAuth()
@ApiSecurity('api-key')
@UseGuards(CrmAuthGuard)
@Controller('crm/inventory')
export class InventoryController {
  constructor(@Inject(CRM_STORE) private readonly crm: CrmStore) {}

  @Put()
  @ApiOperation({
    summary: 'Add inventory items (SIM Cards with ICCID/IMSI/Ki/OPc, Mobile Numbers...)',
  })
  async create(@Body() body: InventoryBatchDto, @CurrentCaller() caller: Caller) {
    requirePermission(caller, Permission.MANAGE_INVENTORY);
    return (await this.crm.addInventory(body.items)).map((i) => shownItem(i, caller));
  }

  @Get()
  @ApiOperation({ summary: 'Inventory by type and state (VIEW_INVENTORY)' })
  async list(@Query() query: InventoryQueryDto, @CurrentCaller() caller: Caller) {
    if (caller.kind === 'job' || caller.kind === 'customer')
      throw new DomainError(ErrorCode.Forbidden, 'needs VIEW_INVENTORY');
    requirePermission(caller, Permission.VIEW_INVENTORY);
    return (await this.crm.inventory(query)).map((i) => shownItem(i, caller));
  }

  @Get('inventory_id/:id')
  @ApiOperation({ summary: 'One item; Ki/OPc only to the job holding it' })
  async get(@Param('id', ParseIntPipe) id: number, @CurrentCaller() caller: Caller) {
    const item = await this.crm.item(id);
    this.check(caller, item);
    return shownItem(item, caller);
  }

  @Patch('inventory_id/:id')
  @ApiOperation({ summary: 'Assign an item to a customer/service or return it to the pool' })
  async patch(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: InventoryPatchDto,
    @CurrentCaller() caller: Caller,
  ) {
    const item = await this.crm.item(id);
    this.check(caller, item);
    if (
      caller.kind === 'job' &&
      body.customer_id != null &&
      body.customer_id !== caller.customerId
    ) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'a job can assign inventory to its own customer only',
      );
    }
    return shownItem(await this.crm.patchItem(id, body), caller);
  }

  @Get('customer_id/:id')
  @ApiOperation({
    summary: "A customer's inventory, as `{ data: [...] }` (the seed's rescue reads `.json.data`)",
  })
  async byCustomer(@Param('id', ParseIntPipe) id: number, @CurrentCaller() caller: Caller) {
    requireCustomer(caller, id, `customer ${id}`);
    const data = await this.crm.inventory({ customer_id: id, limit: 10_000 });
    return { data: data.map((i) => shownItem(i, caller)) };
  }

  /** Operators see any item; a job its reserved items and its customer's; a customer its own. */
  private check(caller: Caller, item: InventoryItem): void {
    if (caller.kind === 'job') {
      if (item.reserved_by !== null && item.reserved_by === caller.provisionId) return;
      if (item.customer_id !== null && item.customer_id === caller.customerId) return;
    } else if (caller.kind === 'customer') {
      if (item.customer_id !== null && item.customer_id === caller.customerId) return;
    } else if (caller.permissions.has(Permission.VIEW_INVENTORY)) {
      return;
    }
    throw new DomainError(ErrorCode.NotFound, `inventory item ${item.inventory_id} does not exist`);
  }
}

@ApiTags('crm')
@ApiBearerAuth()
@ApiSecurity('api-key')
@UseGuards(CrmAuthGuard)
@Controller('crm/service')
export class ServiceController {
  constructor(@Inject(CRM_STORE) private readonly crm: CrmStore) {}

  @Put()
  @ApiOperation({ summary: 'Create a service (playbooks do, for their customer)' })
  create(@Body() body: ServiceInputDto, @CurrentCaller() caller: Caller) {
    requirePermission(caller, Permission.MANAGE_SERVICE);
    requireCustomer(caller, body.customer_id, `customer ${body.customer_id}`);
    return this.crm.createService(body, caller.kind === 'job' ? caller.provisionId : undefined);
  }

  @Get()
  async list(@Query() query: CustomerQueryDto, @CurrentCaller() caller: Caller) {
    const customer =
      caller.kind === 'customer' || caller.kind === 'job' ? caller.customerId : query.customer_id;
    return this.crm.services(customer);
  }

  @Get('service_id/:id')
  async get(@Param('id', ParseIntPipe) id: number, @CurrentCaller() caller: Caller) {
    const service = await this.crm.service(id);
    requireCustomer(caller, service.customer_id, `service ${id}`);
    return service;
  }
}

@ApiTags('crm')
@ApiBearerAuth()
@ApiSecurity('api-key')
@UseGuards(CrmAuthGuard)
@Controller('crm/transaction')
export class TransactionController {
  constructor(@Inject(CRM_STORE) private readonly crm: CrmStore) {}

  @Put()
  @ApiOperation({ summary: 'Record a charge or credit (setup costs, top-ups)' })
  create(@Body() body: TransactionInputDto, @CurrentCaller() caller: Caller) {
    requirePermission(caller, Permission.MANAGE_TRANSACTION);
    requireCustomer(caller, body.customer_id, `customer ${body.customer_id}`);
    return this.crm.createTransaction(body);
  }

  @Get()
  async list(@Query() query: CustomerQueryDto, @CurrentCaller() caller: Caller) {
    const customer =
      caller.kind === 'customer' || caller.kind === 'job' ? caller.customerId : query.customer_id;
    return this.crm.transactions(customer);
  }
}
