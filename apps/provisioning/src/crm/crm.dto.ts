import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

/** Inventory states of seed 002; `Reserved` holds an item for a running job. */
export const ITEM_STATES = ['Available', 'Reserved', 'Assigned', 'Used', 'Retired'] as const;
export type ItemState = (typeof ITEM_STATES)[number];

/** `"['SIM Card', 'Mobile Number']"` as the seed stores it, or a JSON list. */
function inventoryList({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const inner = value
    .trim()
    .replace(/^\[|\]$/g, '')
    .trim();
  if (inner === '') return [];
  return inner.split(',').map((item) => item.trim().replace(/^['"]|['"]$/g, ''));
}

/** `provisioning_json_vars` as a JSON string (seed) or an object. */
function jsonVars({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // left a string: IsObject reports it
  }
}

export class ProductInputDto {
  @ApiProperty({ example: 'Mobile-SIM' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, {
    message: 'product_slug may hold letters, digits, _ and -',
  })
  product_slug!: string;

  @ApiProperty({ example: 'Mobile SIM Only' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  product_name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;

  @ApiProperty({ example: 'play_psim_only', description: 'Playbook name, without .yaml' })
  @Matches(/^[A-Za-z0-9_-]{1,100}$/, {
    message: 'provisioning_play must be a playbook name (letters, digits, _ -)',
  })
  provisioning_play!: string;

  @ApiPropertyOptional({
    example: { iccid: '', msisdn: '' },
    description: 'Default Ansible variables (object or JSON string)',
  })
  @IsOptional()
  @Transform(jsonVars)
  @IsObject({ message: 'provisioning_json_vars must be a JSON object' })
  provisioning_json_vars?: Record<string, unknown>;

  @ApiPropertyOptional({ example: ['SIM Card', 'Mobile Number'] })
  @IsOptional()
  @Transform(inventoryList)
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  inventory_items_list?: string[];

  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsNumber() @Min(0) retail_cost?: number;
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  retail_setup_cost?: number;
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  wholesale_cost?: number;
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  wholesale_setup_cost?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class CustomerInputDto {
  @ApiProperty({ example: 'John Smith' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  customer_name!: string;

  @ApiPropertyOptional() @IsOptional() @IsEmail() customer_email?: string;

  @ApiPropertyOptional({ example: '+61400000001' })
  @IsOptional()
  @Matches(/^\+?[0-9]{5,16}$/, {
    message: 'customer_phone must be digits, optionally with a leading +',
  })
  customer_phone?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) tenant_id?: string;
}

export class InventoryInputDto {
  @ApiProperty({ example: 'SIM Card' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  item_type!: string;

  @ApiPropertyOptional({ enum: ITEM_STATES, default: 'Available' })
  @IsOptional()
  @IsIn(ITEM_STATES)
  item_state?: ItemState;

  @ApiPropertyOptional({ example: '8991101200003204510' })
  @IsOptional()
  @Matches(/^[0-9]{18,22}$/, { message: 'iccid must be 18-22 digits' })
  iccid?: string;

  @ApiPropertyOptional({ example: '001010000000001' })
  @IsOptional()
  @Matches(/^[0-9]{14,15}$/, { message: 'imsi must be 14-15 digits' })
  imsi?: string;

  @ApiPropertyOptional({ description: 'SIM secret key (32 hex); never returned except to its job' })
  @IsOptional()
  @Matches(/^[0-9A-Fa-f]{32}$/, { message: 'ki must be 32 hexadecimal characters' })
  ki?: string;

  @ApiPropertyOptional({
    description: 'Operator variant (32 hex); never returned except to its job',
  })
  @IsOptional()
  @Matches(/^[0-9A-Fa-f]{32}$/, { message: 'opc must be 32 hexadecimal characters' })
  opc?: string;

  @ApiPropertyOptional({ example: '61400000001' })
  @IsOptional()
  @Matches(/^[0-9]{5,16}$/, { message: 'msisdn must be 5-16 digits' })
  msisdn?: string;
}

export class InventoryBatchDto {
  @ApiProperty({ type: [InventoryInputDto] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => InventoryInputDto)
  items!: InventoryInputDto[];
}

/** What a playbook (or an operator) changes on an item: owner, service, state. */
export class InventoryPatchDto {
  @ApiPropertyOptional({ nullable: true, type: Number })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Type(() => Number)
  @IsInt()
  customer_id?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @Type(() => Number)
  @IsInt()
  service_id?: number | null;

  @ApiPropertyOptional({ enum: ITEM_STATES })
  @IsOptional()
  @IsIn(ITEM_STATES)
  item_state?: ItemState;
}

export class InventoryQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() item_type?: string;
  @ApiPropertyOptional({ enum: ITEM_STATES })
  @IsOptional()
  @IsIn(ITEM_STATES)
  item_state?: ItemState;
  @ApiPropertyOptional({ default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;
}

export class ServiceInputDto {
  @ApiProperty() @Type(() => Number) @IsInt() customer_id!: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() product_id?: number;

  @ApiProperty({ example: 'Service: Service_5f0e...' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  service_name!: string;

  @ApiPropertyOptional({ description: 'Generated when absent' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,100}$/, {
    message: 'service_uuid may hold letters, digits and _ . : -',
  })
  service_uuid?: string;

  @ApiPropertyOptional({ default: 'Active' })
  @IsOptional()
  @IsIn(['Active', 'Suspended', 'Deactivated', 'Provisioning'])
  service_status?: string;

  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsNumber() @Min(0) retail_cost?: number;
  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  wholesale_cost?: number;
}

export class TransactionInputDto {
  @ApiProperty() @Type(() => Number) @IsInt() customer_id!: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() service_id?: number;

  @ApiProperty({ example: 'Mobile SIM Only - Setup Costs' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title!: string;

  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsNumber() retail_cost?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsNumber() wholesale_cost?: number;
}

export class CustomerQueryDto {
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() customer_id?: number;
}
