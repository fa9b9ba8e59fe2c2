import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ProvisionAcceptedDto {
  @ApiProperty({ example: 456 }) provision_id!: number;
  @ApiProperty({ example: 1, description: '1 in progress; 0 success and 2 failure come later' })
  provisioning_status!: number;
  @ApiProperty({ example: 'Provisioning job created' }) message!: string;
}

export class ProvisionListQueryDto {
  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ default: 20, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  per_page?: number;

  @ApiPropertyOptional({
    enum: ['provision_id', 'created', 'provisioning_status', 'customer_id', 'product_id'],
  })
  @IsOptional()
  @IsIn(['provision_id', 'created', 'provisioning_status', 'customer_id', 'product_id'])
  sort?: 'provision_id' | 'created' | 'provisioning_status' | 'customer_id' | 'product_id';

  @ApiPropertyOptional({ enum: ['asc', 'desc'] }) @IsOptional() @IsIn(['asc', 'desc']) order?:
    'asc' | 'desc';

  @ApiPropertyOptional({
    example: '{"provisioning_status":[2]}',
    description: 'JSON: {"provisioning_status":[...]}',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  filters?: string;

  @ApiPropertyOptional({ example: 'Mobile', description: 'Matches the description and playbook' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(200)
  search?: string;
}
