import type { MetricRecord } from '../connector';
import { ItemError, asItem, optionalText, type Item } from '../item-fields';
import { energyMetric } from './energy-readings';
import { matchTopic, type TopicFields } from './mqtt-topics';

/** One message as it came off the broker. */
export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  /** When the connector received it, ms since the epoch. */
  receivedAt: number;
}

export interface MessageOutcome {
  records: MetricRecord[];
  /** Why each refused reading (or the whole payload) was refused, naming the topic. */
  rejected: string[];
}

/** Below this an epoch number is in seconds (1e11 s is the year 5138, 1e11 ms is 1973). */
const EPOCH_SECONDS_BELOW = 1e11;

function firstText(item: Item, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const text = optionalText(item, key);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** The reading's own time (RFC 3339, epoch seconds or ms), or undefined when it has none. */
function readingTime(item: Item): Date | undefined {
  for (const key of ['timestamp', 'measured_at', 'ts', 'time']) {
    const value = item[key];
    if (value === undefined || value === null || value === '') continue;
    const date =
      typeof value === 'number'
        ? new Date(value < EPOCH_SECONDS_BELOW ? value * 1000 : value)
        : typeof value === 'string'
          ? new Date(value)
          : undefined;
    if (!date || Number.isNaN(date.getTime())) {
      throw new ItemError(`${key} is ${JSON.stringify(value).slice(0, 40)}, not a time`);
    }
    return date;
  }
  return undefined;
}

function readingMetric(
  value: unknown,
  topic: string,
  fields: TopicFields | undefined,
  receivedAt: number,
): MetricRecord {
  const item = asItem(value);
  const siteId = firstText(item, ['site_id', 'site']) ?? fields?.site;
  if (siteId === undefined) {
    throw new ItemError('names no site: no site_id in the payload and no + level in the topic');
  }
  const sensorType = firstText(item, ['sensor_type', 'type']) ?? fields?.rest[0];
  if (sensorType === undefined) {
    throw new ItemError('names no sensor type: no sensor_type in the payload or the topic');
  }
  const sensorId =
    firstText(item, ['sensor_id', 'sensor', 'id']) ?? fields?.rest[1] ?? `${siteId}/${sensorType}`;
  const measuredAt = readingTime(item);
  const labels: Record<string, string> = { mqtt_topic: topic };
  // A live reading without a time of its own was measured about when it arrived.
  if (!measuredAt) labels.time_source = 'received';
  return energyMetric({
    siteId,
    sensorId,
    sensorType,
    value: item.value,
    unit: optionalText(item, 'unit'),
    timestamp: measuredAt ?? new Date(receivedAt),
    suspect: optionalText(item, 'status') === 'suspect',
    labels,
    raw: value,
  });
}

/**
 * The metrics in one energy message. The payload is JSON: one reading, a list of readings, or
 * `{readings: [...]}`; each reading is `{value, unit?, sensor_type?, sensor_id?, site_id?,
 * timestamp?, status?}`, and what it leaves out comes from the topic
 * (`telcomesh/sites/<site>/energy/<sensor_type>/<sensor_id>`). A payload that is not JSON is
 * refused whole; a bad reading in a list is refused alone.
 */
export function messageMetrics(
  message: ReceivedMessage,
  filters: readonly string[],
): MessageOutcome {
  const { topic } = message;
  let fields: TopicFields | undefined;
  for (const filter of filters) {
    fields = matchTopic(filter, topic);
    if (fields) break;
  }
  let body: unknown;
  try {
    body = JSON.parse(message.payload.toString('utf8')) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { records: [], rejected: [`${topic}: payload is not JSON (${reason.slice(0, 120)})`] };
  }
  const list =
    typeof body === 'object' && body !== null && !Array.isArray(body) && 'readings' in body
      ? body.readings
      : body;
  const readings: unknown[] = Array.isArray(list) ? list : [list];
  const outcome: MessageOutcome = { records: [], rejected: [] };
  for (const [index, reading] of readings.entries()) {
    try {
      outcome.records.push(readingMetric(reading, topic, fields, message.receivedAt));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const where = Array.isArray(list) ? `${topic} reading ${index}` : topic;
      outcome.rejected.push(`${where}: ${reason}`);
    }
  }
  return outcome;
}
