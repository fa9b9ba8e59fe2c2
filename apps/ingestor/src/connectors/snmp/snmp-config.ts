// class-transformer's @Type reads design metadata: load the polyfill wherever DTOs are declared.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { AuthProtocols, PrivProtocols, SecurityLevel, type User } from 'net-snmp';
import type { ConfigIssue, CrossFieldChecks } from '../connection-config';
import { objectProblem } from './poll-plan';

/** Spelled as net-snmp's command-line tools spell them (`snmpget -a SHA-256 -x AES`). */
export const AUTH_PROTOCOLS = ['MD5', 'SHA', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'] as const;
/** AES-256 is the Blumenthal key localisation, AES-256-C the Reeder one Cisco uses. */
export const PRIV_PROTOCOLS = ['DES', 'AES', 'AES-128', 'AES-256', 'AES-256-C'] as const;
export const SECURITY_LEVELS = ['authPriv', 'authNoPriv', 'noAuthNoPriv'] as const;
/** The seed writes `"version": "2c"`. */
export const SNMP_VERSIONS = ['v2c', '2c', 'v3', '3'] as const;

export type AuthProtocolName = (typeof AUTH_PROTOCOLS)[number];
export type PrivProtocolName = (typeof PRIV_PROTOCOLS)[number];
export type SecurityLevelName = (typeof SECURITY_LEVELS)[number];

/** RFC 3414 passphrases are at least 8 characters; net-snmp's agent refuses shorter ones. */
const MIN_KEY_LENGTH = 8;

/** An SNMPv3 USM user. The keys are secrets: never logged, never in an error. */
export class SnmpV3UserDto {
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  user!: string;

  @IsIn(SECURITY_LEVELS)
  level: SecurityLevelName = 'authPriv';

  @IsOptional()
  @IsIn(AUTH_PROTOCOLS)
  auth_protocol?: AuthProtocolName;

  @IsOptional()
  @IsString()
  @MinLength(MIN_KEY_LENGTH)
  auth_key?: string;

  @IsOptional()
  @IsIn(PRIV_PROTOCOLS)
  priv_protocol?: PrivProtocolName;

  @IsOptional()
  @IsString()
  @MinLength(MIN_KEY_LENGTH)
  priv_key?: string;

  /** SNMPv3 context name; empty for the default context. */
  @IsOptional()
  @IsString()
  context?: string;
}

/** One SNMP agent to poll. */
export class SnmpTargetDto {
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  host!: string;

  @IsInt()
  @Min(1)
  @Max(65_535)
  port = 161;

  @IsIn(SNMP_VERSIONS)
  version!: (typeof SNMP_VERSIONS)[number];

  /** SNMPv2c community: a secret. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  community?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => SnmpV3UserDto)
  v3?: SnmpV3UserDto;

  /** Site the device stands on. */
  @IsString()
  @MinLength(1)
  site_id!: string;

  /** Managed object name of the device (rows are `<name>/<row>`); the host when omitted. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  name?: string;

  @IsOptional()
  @IsString()
  technology?: string;

  /** Replaces the connector's `objects` for this target (a UPS polls UPS-MIB, a router IF-MIB). */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  objects?: string[];
}

/** connection_config of an SNMP data source (seed "SNMP Devices", with v3 and named objects). */
export class SnmpConnectionConfig implements CrossFieldChecks {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => SnmpTargetDto)
  targets!: SnmpTargetDto[];

  /** Catalogue names (`IF-MIB::ifTable`, `UPS-MIB::upsBatteryStatus`) or numeric OIDs. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  objects?: string[];

  /** Seed field: numeric OIDs, polled besides `objects`. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  oids?: string[];

  /** Seed field, in seconds; the ingestor's scheduler reads it, the connector does not. */
  @IsOptional()
  @IsInt()
  @Min(10)
  polling_interval?: number;

  /** Wait for one answer before a retry. */
  @IsInt()
  @Min(50)
  @Max(60_000)
  timeout_ms = 2_000;

  /** Re-sends of an unanswered request. */
  @IsInt()
  @Min(0)
  @Max(5)
  retries = 1;

  /** Cap on one target's whole poll: a slow or dead target never holds a slot longer. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  target_timeout_ms = 15_000;

  /** Targets polled at the same time. */
  @IsInt()
  @Min(1)
  @Max(1_000)
  max_concurrent_targets = 64;

  /** GETBULK max-repetitions of walks. */
  @IsInt()
  @Min(1)
  @Max(200)
  max_repetitions = 25;

  /** Varbinds per GET. */
  @IsInt()
  @Min(1)
  @Max(128)
  max_oids_per_request = 32;

  /** SNMPv3 engine id of this manager (hex); random when omitted. */
  @IsOptional()
  @Matches(/^([0-9a-fA-F]{2}){5,32}$/, { message: 'engine_id must be 5 to 32 bytes in hex' })
  engine_id?: string;

  crossFieldIssues(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    if ((this.objects?.length ?? 0) + (this.oids?.length ?? 0) === 0) {
      const everyTargetHasObjects = this.targets.every((t) => (t.objects?.length ?? 0) > 0);
      if (!everyTargetHasObjects)
        issues.push({ path: 'objects', message: 'objects (or oids) must list what to poll' });
    }
    const checkNames = (names: readonly string[] | undefined, path: string) =>
      names?.forEach((name, index) => {
        const problem = objectProblem(name);
        if (problem)
          issues.push({ path: `${path}[${index}]`, message: `${path}[${index}]: ${problem}` });
      });
    checkNames(this.objects, 'objects');
    this.oids?.forEach((oid, index) => {
      if (objectProblem(oid) !== undefined || oid.includes('::')) {
        issues.push({ path: `oids[${index}]`, message: `oids[${index}] must be a numeric OID` });
      }
    });
    if (this.target_timeout_ms < this.timeout_ms) {
      issues.push({
        path: 'target_timeout_ms',
        message: 'target_timeout_ms must be at least timeout_ms',
      });
    }
    const seen = new Map<string, number>();
    this.targets.forEach((target, index) => {
      const path = `targets[${index}]`;
      checkNames(target.objects, `${path}.objects`);
      const key = `${target.host.toLowerCase()}:${target.port}`;
      const first = seen.get(key);
      if (first !== undefined) {
        issues.push({
          path: `${path}.host`,
          message: `${path} repeats targets[${first}] (${key})`,
        });
      } else seen.set(key, index);
      issues.push(...securityIssues(target, path));
    });
    return issues;
  }
}

function securityIssues(target: SnmpTargetDto, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (isV3(target)) {
    if (target.community !== undefined)
      issues.push({ path: `${path}.community`, message: `${path}.community is for v2c targets` });
    const user = target.v3;
    if (!user) {
      issues.push({ path: `${path}.v3`, message: `${path}.v3 (user and keys) is required for v3` });
      return issues;
    }
    const needsAuth = user.level !== 'noAuthNoPriv';
    const needsPriv = user.level === 'authPriv';
    const require = (field: keyof SnmpV3UserDto, needed: boolean) => {
      if (needed && user[field] === undefined)
        issues.push({
          path: `${path}.v3.${field}`,
          message: `${path}.v3.${field} is required for ${user.level}`,
        });
      if (!needed && user[field] !== undefined)
        issues.push({
          path: `${path}.v3.${field}`,
          message: `${path}.v3.${field} is not used by ${user.level}`,
        });
    };
    require('auth_protocol', needsAuth);
    require('auth_key', needsAuth);
    require('priv_protocol', needsPriv);
    require('priv_key', needsPriv);
  } else {
    if (target.community === undefined)
      issues.push({ path: `${path}.community`, message: `${path}.community is required for v2c` });
    if (target.v3 !== undefined)
      issues.push({ path: `${path}.v3`, message: `${path}.v3 is for v3 targets` });
  }
  return issues;
}

export function isV3(target: SnmpTargetDto): boolean {
  return target.version === 'v3' || target.version === '3';
}

/** Every object a target polls: its own list, or the connector's `objects` and `oids`. */
export function objectsOf(config: SnmpConnectionConfig, target: SnmpTargetDto): string[] {
  return target.objects ?? [...(config.objects ?? []), ...(config.oids ?? [])];
}

const AUTH: Record<AuthProtocolName, AuthProtocols> = {
  MD5: AuthProtocols.md5,
  SHA: AuthProtocols.sha,
  'SHA-224': AuthProtocols.sha224,
  'SHA-256': AuthProtocols.sha256,
  'SHA-384': AuthProtocols.sha384,
  'SHA-512': AuthProtocols.sha512,
};

const PRIV: Record<PrivProtocolName, PrivProtocols> = {
  DES: PrivProtocols.des,
  AES: PrivProtocols.aes,
  'AES-128': PrivProtocols.aes,
  'AES-256': PrivProtocols.aes256b,
  'AES-256-C': PrivProtocols.aes256r,
};

/** The net-snmp USM user of a validated v3 block. */
export function usmUser(dto: SnmpV3UserDto): User {
  const user: User = { name: dto.user, level: SecurityLevel[dto.level] };
  if (dto.level !== 'noAuthNoPriv' && dto.auth_protocol && dto.auth_key !== undefined) {
    user.authProtocol = AUTH[dto.auth_protocol];
    user.authKey = dto.auth_key;
  }
  if (dto.level === 'authPriv' && dto.priv_protocol && dto.priv_key !== undefined) {
    user.privProtocol = PRIV[dto.priv_protocol];
    user.privKey = dto.priv_key;
  }
  return user;
}

/** The secrets of a target, for the redactor. */
export function secretsOf(target: SnmpTargetDto): string[] {
  return [target.community, target.v3?.auth_key, target.v3?.priv_key].filter(
    (secret): secret is string => secret !== undefined,
  );
}
