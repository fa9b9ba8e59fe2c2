import { Equals, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsHttpUrl, parseIntegrationConfig } from '../webhook/integration-support';

/**
 * Splunk HTTP Event Collector (`integrations.splunk`). Notifications are sent in batches of
 * `batch_size` JSON events; the delivery layer waits at most `flush_interval` seconds to fill one.
 */
export class SplunkConfig {
  /** `https://splunk.company.com:8088/services/collector` or `…/services/collector/event`. */
  @IsHttpUrl('https://splunk.example.com:8088/services/collector/event')
  @Matches(/\/services\/collector(\/event(\/1\.0)?)?\/?(\?[^#]*)?$/, {
    message: 'hec_url must end with /services/collector or /services/collector/event',
  })
  hec_url!: string;

  /** The HEC token (a GUID), sent as `Authorization: Splunk <token>`. */
  @Matches(/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/, {
    message: 'hec_token must be an HEC token (a GUID)',
  })
  hec_token!: string;

  /** Target index; the token's default index when absent. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,79}$/, {
    message: 'index must be a Splunk index name (lowercase letters, digits, _ and -)',
  })
  index?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  sourcetype = 'telcomesh:notification';

  @IsOptional()
  @IsString()
  @MaxLength(200)
  source = 'telcomesh';

  /** `host` of every event; Splunk uses the sender's address when absent. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  host?: string;

  /**
   * Kept from the connector guide; only `true` is accepted: the HTTP layer always verifies TLS.
   * For a private CA, start the process with `NODE_EXTRA_CA_CERTS=/path/to/splunk-ca.pem`.
   */
  @IsOptional()
  @Equals(true, {
    message:
      'ssl_verify must be true: TLS is always verified; trust a private Splunk CA with NODE_EXTRA_CA_CERTS',
  })
  ssl_verify = true;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  batch_size = 100;

  /** Seconds. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  flush_interval = 30;
}

/** Fields whose values are credentials: never logged, echoed in errors or returned by APIs. */
export const SPLUNK_SECRET_FIELDS = ['hec_token'] as const;

export function parseSplunkConfig(plain: unknown): SplunkConfig {
  return parseIntegrationConfig('splunk', SplunkConfig, plain, SPLUNK_SECRET_FIELDS);
}
