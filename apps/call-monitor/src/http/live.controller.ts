import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { LiveAgent, LiveCall, LiveQueue, LiveTask } from '../live/live-board';
import { CallMonitorCore } from '../call-monitor-core';
import { AgentQueryDto, CallQueryDto, QueueQueryDto, TaskQueryDto } from './call-monitor.dto';

/** A live queue as the API shows it: the longest wait at the time of the request. */
type QueueAnswer = LiveQueue & { longestWaitSeconds: number };

@ApiTags('live')
@Controller()
export class LiveController {
  constructor(@Inject(CallMonitorCore) private readonly core: CallMonitorCore) {}

  @Get('calls')
  @ApiOperation({
    summary:
      'Calls in progress, with user details, numbers (E.164), durations; filters by user, queue, profile, state',
  })
  @ApiOkResponse({ description: 'Calls, oldest first' })
  calls(@Query() q: CallQueryDto): (LiveCall & { durationSeconds: number })[] {
    const now = this.core.view.clock.now();
    return this.core.view
      .calls({
        sourceId: q.source,
        queueId: q.queue,
        agent: q.agent,
        profile: q.profile,
        states: q.state,
        direction: q.direction,
      })
      .map((call) => ({
        ...call,
        durationSeconds: Math.max(0, (now.getTime() - call.startedAt.getTime()) / 1000),
      }));
  }

  @Get('agents')
  @ApiOperation({ summary: 'Agents: login, profile, state and since when, queues, current call' })
  @ApiOkResponse({ description: 'Agents by login' })
  agents(@Query() q: AgentQueryDto): LiveAgent[] {
    return this.core.view.agents({
      sourceId: q.source,
      queueId: q.queue,
      agent: q.agent,
      profile: q.profile,
      states: q.state,
    });
  }

  @Get('queues')
  @ApiOperation({
    summary: 'Queues: calls waiting, longest wait, agents logged in and available, priority',
  })
  @ApiOkResponse({ description: 'Queues by id' })
  queues(@Query() q: QueueQueryDto): QueueAnswer[] {
    const now = this.core.view.clock.now().getTime();
    return this.core.view.queues({ sourceId: q.source, queueId: q.queue }).map((queue) => ({
      ...queue,
      longestWaitSeconds: queue.oldestQueuedAt
        ? Math.max(0, (now - queue.oldestQueuedAt.getTime()) / 1000)
        : 0,
    }));
  }

  @Get('tasks')
  @ApiOperation({
    summary: 'Dispatch tasks (view-based sources): type, state, queue, manager, dates',
  })
  @ApiOkResponse({ description: 'Tasks, oldest first' })
  tasks(@Query() q: TaskQueryDto): LiveTask[] {
    return this.core.view.tasks({
      sourceId: q.source,
      queueId: q.queue,
      managerId: q.manager,
      states: q.state,
    });
  }

  @Get('sources')
  @ApiOperation({
    summary: 'Sources: which replica holds each, connection state, event lag, changes seen',
  })
  @ApiOkResponse({ description: 'Configured sources' })
  sources() {
    return this.core.sourceReport();
  }
}
