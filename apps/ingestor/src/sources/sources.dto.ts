import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { SOURCE_CONDITIONS, type SourceCondition } from '../health/connectivity';
import type { MappingRules } from '../pipeline/mapping-rules';
import type { SourceOrigin } from './data-source-store';
import { SOURCE_ID, SOURCE_ID_RULE } from './source-id';
import { MAX_POLLING_INTERVAL_SECONDS, MIN_POLLING_INTERVAL_SECONDS } from './sources-file';

const CONNECTION_CONFIG_EXAMPLE = {
  base_url: 'https://oss-ericsson.company.com',
  oss_type: 'ericsson',
  authentication: {
    type: 'oauth2',
    client_id: 'your_client_id',
    client_secret: 'your_client_secret',
    token_endpoint: '/auth/oauth2/token',
  },
  polling_endpoints: ['/pm/measurements', '/fm/alarms'],
  technologies: ['4G', '5G'],
  site_filter: 'region=North',
};

const MAPPING_RULES_EXAMPLE = {
  tenant_mapping: 'tenant-001',
  site_mapping: { field: 'siteId', map: { SITE001: 'site-001', SITE002: 'site-002' } },
};

const CONFIG_DESCRIPTION =
  'The connector settings (seed "Configuration détaillée par type de source"), validated by the ' +
  'connector of source_type; a wrong field is a 400 naming its path. Secrets (passwords, client ' +
  'secrets, API keys, tokens, SNMP communities and keys) are encrypted at rest and answered as ' +
  '"********"; send "********" back to keep the stored value, or "${env:NAME}" to read it from ' +
  'the environment.';

const MAPPING_DESCRIPTION =
  'tenant_mapping (tenant id), site_mapping { field, map, unmapped: keep|reject } and ' +
  'site_field_mapping (dotted path in the source item, e.g. cmdb_ci.name).';

export class CreateDataSourceDto {
  @ApiProperty({ example: 'oss-ericsson-001' })
  @IsString()
  @Matches(SOURCE_ID, { message: SOURCE_ID_RULE })
  source_id!: string;

  @ApiPropertyOptional({ example: 'Ericsson OSS-RC Production', description: 'Default: source_id' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  source_name?: string;

  @ApiProperty({
    example: 'oss_network',
    description: 'Connector kind (seed data_sources.source_type)',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  source_type!: string;

  @ApiPropertyOptional({
    example: 'OSS_NetworkConnector',
    description: 'Seed connector_class; checked against source_type when given',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  connector_class?: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: CONNECTION_CONFIG_EXAMPLE,
    description: CONFIG_DESCRIPTION,
  })
  @IsObject()
  connection_config!: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: MAPPING_RULES_EXAMPLE,
    description: MAPPING_DESCRIPTION,
  })
  @IsOptional()
  @IsObject()
  mapping_rules?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 300, default: 300, description: 'Seconds between polls' })
  @IsOptional()
  @IsInt()
  @Min(MIN_POLLING_INTERVAL_SECONDS)
  @Max(MAX_POLLING_INTERVAL_SECONDS)
  polling_interval?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateDataSourceDto {
  @ApiPropertyOptional({ example: 'Ericsson OSS-RC Production' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  source_name?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `Replaces the whole connection_config. ${CONFIG_DESCRIPTION}`,
  })
  @IsOptional()
  @IsObject()
  connection_config?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `Replaces the mapping rules. ${MAPPING_DESCRIPTION}`,
  })
  @IsOptional()
  @IsObject()
  mapping_rules?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 600 })
  @IsOptional()
  @IsInt()
  @Min(MIN_POLLING_INTERVAL_SECONDS)
  @Max(MAX_POLLING_INTERVAL_SECONDS)
  polling_interval?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class DataSourceDto {
  @ApiProperty({ example: 'oss-ericsson-001' })
  source_id!: string;

  @ApiProperty({ example: 'Ericsson OSS-RC Production' })
  source_name!: string;

  @ApiProperty({ example: 'oss_network' })
  source_type!: string;

  @ApiProperty({ example: 'OSS_NetworkConnector' })
  connector_class!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Secrets masked as "********"',
  })
  connection_config!: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true, example: MAPPING_RULES_EXAMPLE })
  mapping_rules!: MappingRules;

  @ApiProperty({ example: 300 })
  polling_interval!: number;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({
    enum: ['api', 'file'],
    description: 'Last set through the API or INGESTOR_SOURCES_FILE',
  })
  origin!: SourceOrigin;

  @ApiProperty()
  created_at!: string;

  @ApiProperty()
  updated_at!: string;
}

export class ConnectionTestDto {
  @ApiProperty()
  ok!: boolean;

  @ApiProperty({
    enum: ['config', 'dns', 'connect', 'tls', 'auth', 'request', 'parse'],
    description: 'Stage that failed; "parse" (the last) when everything passed',
  })
  stage!: string;

  @ApiProperty({ example: 'https://oss.example/pm/measurements answered 200 in 42 ms' })
  message!: string;

  @ApiProperty()
  latency_ms!: number;
}

export class SourceHealthDto {
  @ApiProperty()
  source_id!: string;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty()
  healthy!: boolean;

  @ApiProperty({ enum: SOURCE_CONDITIONS })
  condition!: SourceCondition;

  @ApiProperty({ nullable: true, type: String })
  condition_since!: string | null;

  @ApiProperty({ nullable: true, type: String, description: 'Last sync without an error' })
  last_sync!: string | null;

  @ApiProperty({ nullable: true, type: String })
  last_attempt!: string | null;

  @ApiProperty({ description: 'Consecutive failed syncs' })
  error_count!: number;

  @ApiProperty({ nullable: true, type: String, description: 'Redacted' })
  last_error!: string | null;

  @ApiProperty({ nullable: true, type: Number })
  response_time_ms!: number | null;

  @ApiProperty({ description: 'Records the last sync published' })
  records_collected!: number;

  @ApiProperty({ description: 'Records the last sync rejected' })
  records_rejected!: number;

  @ApiProperty()
  reject_rate!: number;

  @ApiProperty({ nullable: true, type: Number, description: 'Mean quality_score of the last sync' })
  quality_score!: number | null;

  @ApiProperty()
  total_collected!: number;

  @ApiProperty()
  total_rejected!: number;

  @ApiProperty({ nullable: true, type: String, description: 'Replica that made the last poll' })
  polled_by!: string | null;

  @ApiProperty({ description: 'This replica holds the source now' })
  held_here!: boolean;
}
