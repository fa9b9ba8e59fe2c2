import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import type {
  CustomerInputDto,
  InventoryInputDto,
  InventoryPatchDto,
  ItemState,
  ProductInputDto,
  ServiceInputDto,
  TransactionInputDto,
} from './crm.dto';

export interface Product {
  product_id: number;
  product_slug: string;
  product_name: string;
  comment: string;
  provisioning_play: string;
  provisioning_json_vars: Record<string, unknown>;
  inventory_items_list: string[];
  retail_cost: number;
  retail_setup_cost: number;
  wholesale_cost: number;
  wholesale_setup_cost: number;
  enabled: boolean;
  created: string;
}

export interface Customer {
  customer_id: number;
  tenant_id: string;
  customer_name: string;
  customer_email: string | null;
  customer_phone: string | null;
  created: string;
}

export interface InventoryItem {
  inventory_id: number;
  item_type: string;
  item_state: ItemState;
  iccid: string | null;
  imsi: string | null;
  ki: string | null;
  opc: string | null;
  msisdn: string | null;
  customer_id: number | null;
  service_id: number | null;
  reserved_by: number | null;
  created: string;
  updated: string;
}

export interface Service {
  service_id: number;
  service_uuid: string;
  customer_id: number;
  product_id: number | null;
  service_name: string;
  service_status: string;
  retail_cost: number;
  wholesale_cost: number;
  created_by_provision_id: number | null;
  created: string;
}

export interface Transaction {
  transaction_id: number;
  customer_id: number;
  service_id: number | null;
  title: string;
  retail_cost: number;
  wholesale_cost: number;
  created: string;
}

const MONEY = ['retail_cost', 'retail_setup_cost', 'wholesale_cost', 'wholesale_setup_cost'];

/** pg answers NUMERIC as strings and timestamps as Dates: the API speaks numbers and ISO text. */
function plain<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...row };
  for (const key of MONEY) if (typeof out[key] === 'string') out[key] = Number(out[key]);
  for (const [key, value] of Object.entries(out))
    if (value instanceof Date) out[key] = value.toISOString();
  return out as T;
}

function notFound(what: string): DomainError {
  return new DomainError(ErrorCode.NotFound, `${what} does not exist`);
}

/**
 * The CRM records of seed 002 in provisioning's schema: catalogue, customers, inventory,
 * services, transactions. Plain SQL: every statement is visible, and reservations are one
 * `UPDATE ... WHERE item_state = 'Available'` so two jobs can never take the same item.
 */
export class CrmStore {
  private readonly t: Record<
    'products' | 'customers' | 'inventory' | 'services' | 'transactions',
    string
  >;

  constructor(private readonly dataSource: DataSource) {
    const s = (dataSource.options as { schema: string }).schema;
    this.t = {
      products: `"${s}"."products"`,
      customers: `"${s}"."customers"`,
      inventory: `"${s}"."inventory"`,
      services: `"${s}"."services"`,
      transactions: `"${s}"."transactions"`,
    };
  }

  private db(manager?: EntityManager): Pick<EntityManager, 'query'> {
    return manager ?? this.dataSource;
  }

  // --- products ---------------------------------------------------------------------------

  async createProduct(input: ProductInputDto): Promise<Product> {
    try {
      const [row] = await this.dataSource.query<Record<string, unknown>[]>(
        `INSERT INTO ${this.t.products} ("product_slug", "product_name", "comment", "provisioning_play",
           "provisioning_json_vars", "inventory_items_list", "retail_cost", "retail_setup_cost",
           "wholesale_cost", "wholesale_setup_cost", "enabled")
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [
          input.product_slug,
          input.product_name,
          input.comment ?? '',
          input.provisioning_play,
          JSON.stringify(input.provisioning_json_vars ?? {}),
          input.inventory_items_list ?? [],
          input.retail_cost ?? 0,
          input.retail_setup_cost ?? 0,
          input.wholesale_cost ?? 0,
          input.wholesale_setup_cost ?? 0,
          input.enabled ?? true,
        ],
      );
      return plain<Product>(row);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new DomainError(ErrorCode.Conflict, `product_slug ${input.product_slug} is taken`);
      }
      throw error;
    }
  }

  async product(id: number, manager?: EntityManager): Promise<Product> {
    const rows = await this.db(manager).query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.products} WHERE "product_id" = $1`,
      [id],
    );
    if (!rows[0]) throw notFound(`product ${id}`);
    return plain<Product>(rows[0]);
  }

  async products(): Promise<Product[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.products} ORDER BY "product_id" LIMIT 1000`,
    );
    return rows.map((r) => plain<Product>(r));
  }

  // --- customers --------------------------------------------------------------------------

  async createCustomer(input: CustomerInputDto): Promise<Customer> {
    const [row] = await this.dataSource.query<Record<string, unknown>[]>(
      `INSERT INTO ${this.t.customers} ("tenant_id", "customer_name", "customer_email", "customer_phone")
       VALUES ($1, $2, $3, $4) RETURNING *`,
      [
        input.tenant_id ?? '',
        input.customer_name,
        input.customer_email ?? null,
        input.customer_phone ?? null,
      ],
    );
    return plain<Customer>(row);
  }

  async customer(id: number, manager?: EntityManager): Promise<Customer> {
    const rows = await this.db(manager).query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.customers} WHERE "customer_id" = $1`,
      [id],
    );
    if (!rows[0]) throw notFound(`customer ${id}`);
    return plain<Customer>(rows[0]);
  }

  async customers(): Promise<Customer[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.customers} ORDER BY "customer_id" LIMIT 1000`,
    );
    return rows.map((r) => plain<Customer>(r));
  }

  // --- inventory --------------------------------------------------------------------------

  async addInventory(items: InventoryInputDto[]): Promise<InventoryItem[]> {
    if (items.length === 0) return [];
    const values: unknown[] = [];
    const rows = items.map((item, i) => {
      values.push(
        item.item_type,
        item.item_state ?? 'Available',
        item.iccid ?? null,
        item.imsi ?? null,
        item.ki ?? null,
        item.opc ?? null,
        item.msisdn ?? null,
      );
      const p = i * 7;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7})`;
    });
    const inserted = await this.dataSource.query<Record<string, unknown>[]>(
      `INSERT INTO ${this.t.inventory} ("item_type", "item_state", "iccid", "imsi", "ki", "opc", "msisdn")
       VALUES ${rows.join(', ')} RETURNING *`,
      values,
    );
    return inserted.map((r) => plain<InventoryItem>(r));
  }

  async item(id: number, manager?: EntityManager): Promise<InventoryItem> {
    const rows = await this.db(manager).query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.inventory} WHERE "inventory_id" = $1`,
      [id],
    );
    if (!rows[0]) throw notFound(`inventory item ${id}`);
    return plain<InventoryItem>(rows[0]);
  }

  async inventory(filter: {
    item_type?: string;
    item_state?: ItemState;
    customer_id?: number;
    limit?: number;
  }): Promise<InventoryItem[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    for (const [column, value] of Object.entries(filter)) {
      if (column === 'limit' || value === undefined) continue;
      values.push(value);
      where.push(`"${column}" = $${values.length}`);
    }
    values.push(Math.min(filter.limit ?? 100, 10_000));
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.inventory} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY "inventory_id" LIMIT $${values.length}`,
      values,
    );
    return rows.map((r) => plain<InventoryItem>(r));
  }

  async patchItem(id: number, patch: InventoryPatchDto): Promise<InventoryItem> {
    const sets: string[] = [];
    const values: unknown[] = [id];
    for (const column of ['customer_id', 'service_id', 'item_state'] as const) {
      if (patch[column] === undefined) continue;
      values.push(patch[column]);
      sets.push(`"${column}" = $${values.length}`);
    }
    // Leaving the job's hands (assigned, back to the pool...) ends its reservation.
    if (patch.item_state && patch.item_state !== 'Reserved') sets.push(`"reserved_by" = NULL`);
    sets.push(`"updated" = now()`);
    try {
      const [rows] = await this.dataSource.query<[Record<string, unknown>[], number]>(
        `UPDATE ${this.t.inventory} SET ${sets.join(', ')} WHERE "inventory_id" = $1 RETURNING *`,
        values,
      );
      if (!rows[0]) throw notFound(`inventory item ${id}`);
      return plain<InventoryItem>(rows[0]);
    } catch (error) {
      if ((error as { code?: string }).code === '23503') {
        throw new DomainError(ErrorCode.InvalidInput, 'customer_id or service_id does not exist');
      }
      throw error;
    }
  }

  /**
   * Reserves one item of a type for a job: the given id (must exist, be of that type and
   * Available) or, without an id, the lowest Available one. Atomic: the row is locked and its
   * state checked in one statement, so concurrent jobs never hold the same item.
   */
  async reserve(
    manager: EntityManager,
    itemType: string,
    inventoryId: number | undefined,
    provisionId: number,
  ): Promise<InventoryItem> {
    const [rows] = await manager.query<[Record<string, unknown>[], number]>(
      inventoryId === undefined
        ? `UPDATE ${this.t.inventory} SET "item_state" = 'Reserved', "reserved_by" = $2, "updated" = now()
            WHERE "inventory_id" = (SELECT "inventory_id" FROM ${this.t.inventory}
                                     WHERE "item_type" = $1 AND "item_state" = 'Available'
                                     ORDER BY "inventory_id" LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING *`
        : `UPDATE ${this.t.inventory} SET "item_state" = 'Reserved', "reserved_by" = $2, "updated" = now()
            WHERE "inventory_id" = $3 AND "item_type" = $1 AND "item_state" = 'Available' RETURNING *`,
      inventoryId === undefined ? [itemType, provisionId] : [itemType, provisionId, inventoryId],
    );
    if (rows[0]) return plain<InventoryItem>(rows[0]);
    if (inventoryId === undefined) {
      throw new DomainError(ErrorCode.Conflict, `no inventory: no ${itemType} is Available`);
    }
    const existing = await manager.query<{ item_type: string; item_state: string }[]>(
      `SELECT "item_type", "item_state" FROM ${this.t.inventory} WHERE "inventory_id" = $1`,
      [inventoryId],
    );
    if (!existing[0])
      throw new DomainError(ErrorCode.InvalidInput, `${itemType} ${inventoryId} does not exist`);
    if (existing[0].item_type !== itemType) {
      throw new DomainError(
        ErrorCode.InvalidInput,
        `inventory ${inventoryId} is a ${existing[0].item_type}, not a ${itemType}`,
      );
    }
    throw new DomainError(
      ErrorCode.Conflict,
      `no inventory: ${itemType} ${inventoryId} is ${existing[0].item_state}, not Available`,
    );
  }

  /** After a job: what it still holds is assigned to the customer (success) or back in the pool. */
  async settleReservations(
    provisionId: number,
    succeeded: boolean,
    customerId: number | null,
  ): Promise<number> {
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      succeeded
        ? `UPDATE ${this.t.inventory} SET "item_state" = 'Assigned', "customer_id" = $2, "reserved_by" = NULL, "updated" = now()
            WHERE "reserved_by" = $1 AND "item_state" = 'Reserved'`
        : `UPDATE ${this.t.inventory} SET "item_state" = 'Available', "customer_id" = NULL, "service_id" = NULL,
                  "reserved_by" = NULL, "updated" = now()
            WHERE "reserved_by" = $1 AND "item_state" = 'Reserved'`,
      succeeded ? [provisionId, customerId] : [provisionId],
    );
    return count;
  }

  // --- services and transactions -----------------------------------------------------------

  async createService(input: ServiceInputDto, provisionId?: number): Promise<Service> {
    try {
      const [row] = await this.dataSource.query<Record<string, unknown>[]>(
        `INSERT INTO ${this.t.services} ("service_uuid", "customer_id", "product_id", "service_name", "service_status",
           "retail_cost", "wholesale_cost", "created_by_provision_id")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [
          input.service_uuid ?? `Service_${randomUUID()}`,
          input.customer_id,
          input.product_id ?? null,
          input.service_name,
          input.service_status ?? 'Active',
          input.retail_cost ?? 0,
          input.wholesale_cost ?? 0,
          provisionId ?? null,
        ],
      );
      return plain<Service>(row);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '23505')
        throw new DomainError(ErrorCode.Conflict, `service_uuid ${input.service_uuid} exists`);
      if (code === '23503')
        throw new DomainError(ErrorCode.InvalidInput, 'customer_id or product_id does not exist');
      throw error;
    }
  }

  async service(id: number): Promise<Service> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.services} WHERE "service_id" = $1`,
      [id],
    );
    if (!rows[0]) throw notFound(`service ${id}`);
    return plain<Service>(rows[0]);
  }

  async serviceByUuid(uuid: string): Promise<Service> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.services} WHERE "service_uuid" = $1`,
      [uuid],
    );
    if (!rows[0]) throw notFound(`service ${uuid}`);
    return plain<Service>(rows[0]);
  }

  /** The service a job created, for the next playbook of a chain. */
  async serviceCreatedBy(provisionId: number): Promise<Service | undefined> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.services} WHERE "created_by_provision_id" = $1 ORDER BY "service_id" LIMIT 1`,
      [provisionId],
    );
    return rows[0] ? plain<Service>(rows[0]) : undefined;
  }

  async services(customerId?: number): Promise<Service[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.services} ${customerId !== undefined ? 'WHERE "customer_id" = $1' : ''}
        ORDER BY "service_id" LIMIT 1000`,
      customerId !== undefined ? [customerId] : [],
    );
    return rows.map((r) => plain<Service>(r));
  }

  async setServiceStatus(id: number, status: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.t.services} SET "service_status" = $2 WHERE "service_id" = $1`,
      [id, status],
    );
  }

  async createTransaction(input: TransactionInputDto): Promise<Transaction> {
    try {
      const [row] = await this.dataSource.query<Record<string, unknown>[]>(
        `INSERT INTO ${this.t.transactions} ("customer_id", "service_id", "title", "retail_cost", "wholesale_cost")
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [
          input.customer_id,
          input.service_id ?? null,
          input.title,
          input.retail_cost ?? 0,
          input.wholesale_cost ?? 0,
        ],
      );
      return plain<Transaction>(row);
    } catch (error) {
      if ((error as { code?: string }).code === '23503') {
        throw new DomainError(ErrorCode.InvalidInput, 'customer_id or service_id does not exist');
      }
      throw error;
    }
  }

  async transactions(customerId?: number): Promise<Transaction[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.t.transactions} ${customerId !== undefined ? 'WHERE "customer_id" = $1' : ''}
        ORDER BY "transaction_id" LIMIT 1000`,
      customerId !== undefined ? [customerId] : [],
    );
    return rows.map((r) => plain<Transaction>(r));
  }
}
