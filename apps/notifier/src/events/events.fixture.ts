import { timestampFromDate, type Timestamp } from '@telcomesh/contracts';
import type { EventEnvelope } from './render-support';

/** The envelope of a record as the consumer hands it over (time: when the record was published). */
export function envelope(overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id: 'evt-7f3a',
    time: new Date('2025-01-01T15:00:00.000Z'),
    source: '/telcomesh/ingestor',
    ...overrides,
  };
}

/** A protobuf timestamp from an ISO time. */
export function at(iso: string): Timestamp {
  return timestampFromDate(new Date(iso));
}
