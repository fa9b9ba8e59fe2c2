import 'reflect-metadata';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  ValidatorConstraint,
  Validate,
  type ValidatorConstraintInterface,
} from 'class-validator';
import {
  HttpConnectionConfig,
  type AuthType,
  type ConfigIssue,
  type CrossFieldChecks,
} from '../connection-config';
import type { AlarmRecord, MetricRecord } from '../connector';
import { parseSiteFilter, siteMatches, type SiteFilter } from './site-filter';

export const OSS_TECHNOLOGIES = ['2G', '3G', '4G', '5G'] as const;

@ValidatorConstraint({ name: 'siteFilter' })
class SiteFilterConstraint implements ValidatorConstraintInterface {
  private lastError = '';

  validate(value: unknown): boolean {
    if (typeof value !== 'string') {
      this.lastError = 'site_filter must be text such as "region=North"';
      return false;
    }
    try {
      parseSiteFilter(value);
      return true;
    } catch (error) {
      this.lastError = (error as Error).message;
      return false;
    }
  }

  defaultMessage(): string {
    return this.lastError;
  }
}

/** What a vendor connector's config class declares about its source. */
export interface OssVendor {
  /** Seed `oss_type`. */
  ossType: string;
  /** The seed's `polling_endpoints` this connector knows how to read. */
  endpoints: readonly string[];
  authentication: readonly AuthType[];
}

/**
 * Seed "OSS Network Systems" connection_config. Each vendor subclass names its `oss_type`,
 * endpoints and authentication in a static `vendor`.
 */
export abstract class OssConnectionConfig extends HttpConnectionConfig implements CrossFieldChecks {
  static readonly vendor: OssVendor;

  @IsString()
  oss_type!: string;

  /** Which of the vendor's endpoints to poll; all of them when omitted. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  polling_endpoints?: string[];

  /** Only these technologies; all when omitted. Alarms on objects without one (a site) pass. */
  @IsOptional()
  @IsArray()
  @IsIn(OSS_TECHNOLOGIES, { each: true })
  technologies?: string[];

  /** Only these normalised metric names (`throughput`, `latency`, `availability`...). */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  measurement_types?: string[];

  /** e.g. `region=North`, `site=SITE001|SITE002`; see site-filter.ts. */
  @IsOptional()
  @Validate(SiteFilterConstraint)
  site_filter?: string;

  /** Most alarms per sync; the rest come with the next one. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max_alarms = 1000;

  /** Items per page asked of the source. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  page_size = 500;

  /** How far back the first metrics sync reaches. */
  @IsInt()
  @Min(1)
  @Max(60 * 24 * 31)
  initial_lookback_minutes = 60;

  /**
   * How long after a period ends its measurements are complete at the source; metric windows end
   * that long before now so a period is never read half-loaded.
   */
  @IsInt()
  @Min(0)
  @Max(86_400)
  measurement_delay_seconds = 0;

  get vendor(): OssVendor {
    return (this.constructor as typeof OssConnectionConfig).vendor;
  }

  /** The endpoints to poll. */
  get endpoints(): readonly string[] {
    return this.polling_endpoints ?? this.vendor.endpoints;
  }

  crossFieldIssues(): ConfigIssue[] {
    const { vendor } = this;
    const issues: ConfigIssue[] = [];
    if (this.oss_type !== vendor.ossType) {
      issues.push({
        path: 'oss_type',
        message: `oss_type must be "${vendor.ossType}" for this connector`,
      });
    }
    if (!vendor.authentication.includes(this.authentication.type)) {
      issues.push({
        path: 'authentication.type',
        message: `authentication.type "${this.authentication.type}" is not supported by ${vendor.ossType} (use ${vendor.authentication.join(' or ')})`,
      });
    }
    this.polling_endpoints?.forEach((endpoint, index) => {
      if (!vendor.endpoints.includes(endpoint)) {
        issues.push({
          path: `polling_endpoints[${index}]`,
          message: `polling_endpoints[${index}] "${endpoint}" is not a ${vendor.ossType} endpoint (known: ${vendor.endpoints.join(', ')})`,
        });
      }
    });
    return issues;
  }
}

/** The seed filters (technologies, measurement_types, site_filter) applied to normalised records. */
export class OssRecordFilter {
  private readonly technologies?: ReadonlySet<string>;
  private readonly measurements?: ReadonlySet<string>;
  private readonly sites?: SiteFilter;

  /** `siteFilterAtSource`: the source applied site_filter itself (records may lack the region). */
  constructor(
    config: OssConnectionConfig,
    private readonly siteFilterAtSource: boolean,
  ) {
    if (config.technologies) this.technologies = new Set(config.technologies);
    if (config.measurement_types) this.measurements = new Set(config.measurement_types);
    if (config.site_filter) this.sites = parseSiteFilter(config.site_filter);
  }

  metric(record: MetricRecord): boolean {
    if (this.technologies && !this.technologies.has(record.technology)) return false;
    if (this.measurements && !this.measurements.has(record.name)) return false;
    return (
      !this.sites ||
      siteMatches(this.sites, record.siteId, record.labels.region, this.siteFilterAtSource)
    );
  }

  alarm(record: AlarmRecord): boolean {
    if (
      this.technologies &&
      record.technology !== undefined &&
      !this.technologies.has(record.technology)
    ) {
      return false;
    }
    return (
      !this.sites ||
      siteMatches(this.sites, record.siteId, record.labels.region, this.siteFilterAtSource)
    );
  }
}
