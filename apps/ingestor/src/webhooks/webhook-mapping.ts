import jsonata from 'jsonata';
import { alarmOf, mapPage, metricOf, type RestMapping, type SourceRecord } from '../connectors';
import type { WebhookSourceConfig } from './webhook-source-config';

/** Bounds on one evaluation, so a runaway expression fails its item instead of the request. */
const EVALUATION_LIMITS = { timeout: 1000, stack: 500 };

/** An item of the body that did not map to a record: the field at fault and why. */
export interface UnmappedItem {
  raw: unknown;
  field: string;
  reason: string;
}

export interface MappedDelivery {
  records: SourceRecord[];
  unmapped: UnmappedItem[];
}

/** The body cannot be read at all (a 400 naming `field`). */
export class WebhookBodyError extends Error {
  override readonly name = 'WebhookBodyError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A webhook source's mapping, compiled once per configuration. */
export class WebhookMapping {
  private readonly mapping: RestMapping;

  constructor(private readonly config: WebhookSourceConfig) {
    const compile = (expression: string) => jsonata(expression, EVALUATION_LIMITS);
    this.mapping = {
      items: compile(config.items),
      fields: Object.entries(config.fields as unknown as Record<string, string | undefined>)
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
        .map(([name, expression]) => [name, compile(expression)]),
    };
  }

  /**
   * The records of a parsed body. An item whose fields do not map is kept in `unmapped` (it goes
   * to the rejects); a body whose item list cannot be evaluated throws WebhookBodyError.
   */
  async map(body: unknown): Promise<MappedDelivery> {
    const page = await mapPage(this.mapping, body);
    if (page.error !== undefined) throw new WebhookBodyError('items', page.error);
    const records: SourceRecord[] = [];
    const unmapped: UnmappedItem[] = [];
    const sourceSystem = this.config.source_system ?? 'WEBHOOK';
    for (const item of page.items) {
      try {
        records.push(
          this.config.record_kind === 'metric' ? metricOf(item) : alarmOf(item, sourceSystem),
        );
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        unmapped.push({ raw: item.raw, field: fieldOf(reason), reason });
      }
    }
    return { records, unmapped };
  }
}

/** The field an item error is about: `fields.<name>: ...` or `<name> is ...`. */
function fieldOf(reason: string): string {
  const match = /^(?:fields\.)?([A-Za-z_][\w.]*)/.exec(reason);
  return match ? match[1] : 'item';
}

/** Parses a raw JSON body; a 400 names `body` and says where it broke. */
export function parseJsonBody(raw: Uint8Array): unknown {
  if (raw.length === 0) throw new WebhookBodyError('body', 'body is empty; send a JSON document');
  try {
    return JSON.parse(Buffer.from(raw).toString('utf8')) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'unreadable';
    throw new WebhookBodyError('body', `body is not JSON: ${detail}`);
  }
}
