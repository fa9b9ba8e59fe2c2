import { Controller, Get, Header, Inject, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { csvHeader, csvRows, DomainError, ErrorCode, type CsvColumn } from '@telcomesh/platform';
import type { Response } from 'express';
import type { CallRecord, TrendPoint } from '../history/call-record-store';
import { TrendRangeError } from '../history/call-record-store';
import { CallMonitorCore } from '../call-monitor-core';
import { CallRecordQueryDto, type HistoryRangeDto, TrendQueryDto } from './call-monitor.dto';

const DAY_MS = 86_400_000;

function rangeOf(q: HistoryRangeDto): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS);
  if (from >= to) throw new DomainError(ErrorCode.InvalidInput, '"from" must be before "to"');
  return { from, to };
}

function encodeCursor(r: CallRecord): string {
  return Buffer.from(JSON.stringify([r.startedAt.toISOString(), r.sourceId, r.callId])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string) {
  try {
    const [startedAt, sourceId, callId] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as [string, string, string];
    const date = new Date(startedAt);
    if (Number.isNaN(date.getTime()) || typeof sourceId !== 'string' || typeof callId !== 'string')
      throw new Error('bad cursor');
    return { startedAt: date, sourceId, callId };
  } catch {
    throw new DomainError(ErrorCode.InvalidInput, 'cursor: not a cursor this API returned');
  }
}

const RECORD_COLUMNS: CsvColumn<CallRecord>[] = [
  { header: 'source_id', value: (r) => r.sourceId },
  { header: 'call_id', value: (r) => r.callId },
  { header: 'direction', value: (r) => r.direction },
  { header: 'local_number', value: (r) => r.localNumber },
  { header: 'remote_number', value: (r) => r.remoteNumber },
  { header: 'remote_name', value: (r) => r.remoteName },
  { header: 'queue_id', value: (r) => r.queueId },
  { header: 'agent_id', value: (r) => r.agentId },
  { header: 'started_at', value: (r) => r.startedAt },
  { header: 'queued_at', value: (r) => r.queuedAt },
  { header: 'answered_at', value: (r) => r.answeredAt },
  { header: 'ended_at', value: (r) => r.endedAt },
  { header: 'wait_seconds', value: (r) => r.waitSeconds },
  { header: 'talk_seconds', value: (r) => r.talkSeconds },
  { header: 'hold_seconds', value: (r) => r.holdSeconds },
  { header: 'transfers', value: (r) => r.transferCount },
  { header: 'disposition', value: (r) => r.disposition },
  { header: 'end_cause', value: (r) => r.endCause },
];

const TREND_COLUMNS: CsvColumn<TrendPoint>[] = [
  { header: 'bucket', value: (p) => p.bucket },
  { header: 'key', value: (p) => p.key },
  { header: 'calls', value: (p) => p.calls },
  { header: 'answered', value: (p) => p.answered },
  { header: 'abandoned', value: (p) => p.abandoned },
  { header: 'no_answer', value: (p) => p.noAnswer },
  { header: 'asa_seconds', value: (p) => p.asaSeconds },
  { header: 'aht_seconds', value: (p) => p.ahtSeconds },
  { header: 'hold_seconds', value: (p) => p.holdSeconds },
  { header: 'abandonment_rate', value: (p) => p.abandonmentRate },
  { header: 'service_level', value: (p) => p.serviceLevel },
  { header: 'transfers', value: (p) => p.transfers },
];

@ApiTags('history')
@Controller('history')
export class HistoryController {
  constructor(@Inject(CallMonitorCore) private readonly core: CallMonitorCore) {}

  @Get('calls')
  @ApiOperation({ summary: 'Call records (one per finished call), by start time, paged by cursor' })
  @ApiOkResponse({ description: '`records` and `next_cursor` (null on the last page)' })
  async records(@Query() q: CallRecordQueryDto) {
    const limit = q.limit ?? 100;
    const records = await this.core.records.find({
      ...rangeOf(q),
      sourceId: q.source,
      queueId: q.queue,
      agentId: q.agent,
      disposition: q.disposition,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit,
    });
    const last = records[records.length - 1];
    return { records, next_cursor: records.length === limit && last ? encodeCursor(last) : null };
  }

  @Get('calls.csv')
  @ApiOperation({ summary: 'Export: every call record of the range as CSV (streamed)' })
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="calls.csv"')
  async recordsCsv(@Query() q: CallRecordQueryDto, @Res() res: Response): Promise<void> {
    const range = rangeOf(q);
    res.write(csvHeader(RECORD_COLUMNS));
    for await (const page of this.core.records.scan({
      ...range,
      sourceId: q.source,
      queueId: q.queue,
      agentId: q.agent,
      disposition: q.disposition,
    })) {
      if (!res.write(csvRows(RECORD_COLUMNS, page))) {
        await new Promise<void>((resolve) => res.once('drain', () => resolve()));
      }
    }
    res.end();
  }

  @Get('trends')
  @ApiOperation({
    summary:
      'Calls per interval, ASA, AHT, abandonment rate and service level, per queue, per agent or overall',
  })
  @ApiOkResponse({ description: 'Points ordered by bucket then key' })
  async trends(@Query() q: TrendQueryDto): Promise<TrendPoint[]> {
    try {
      return await this.core.records.trends({
        ...rangeOf(q),
        interval: q.interval ?? '1h',
        groupBy: q.group_by ?? 'queue',
        sourceId: q.source,
        queueId: q.queue,
        agentId: q.agent,
        serviceLevelSeconds: q.service_level_seconds ?? 20,
        shortAbandonSeconds: q.short_abandon_seconds ?? 5,
      });
    } catch (error) {
      if (error instanceof TrendRangeError)
        throw new DomainError(ErrorCode.InvalidInput, error.message);
      throw error;
    }
  }

  @Get('trends.csv')
  @ApiOperation({ summary: 'Export: the trends as CSV' })
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="trends.csv"')
  async trendsCsv(@Query() q: TrendQueryDto): Promise<string> {
    return csvHeader(TREND_COLUMNS) + csvRows(TREND_COLUMNS, await this.trends(q));
  }
}
