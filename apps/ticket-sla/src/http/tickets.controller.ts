import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import { TicketSlaCore } from '../ticket-sla-core';

@ApiTags('tickets')
@Controller('tickets')
export class TicketsController {
  constructor(@Inject(TicketSlaCore) private readonly core: TicketSlaCore) {}

  @Get(':system/:key')
  @ApiOperation({
    summary: 'One ticket: current fields, status and department history, and its SLA targets',
  })
  @ApiNotFoundResponse()
  async ticket(@Param('system') system: string, @Param('key') key: string) {
    const ticket = await this.core.tickets.find(this.core.dataSourceForReads, system, key);
    if (ticket === undefined)
      throw new DomainError(ErrorCode.NotFound, `no ticket ${key} in ${system}`);
    const sla = await this.core.states.load(this.core.dataSourceForReads.manager, [ticket.id]);
    return { ...ticket, sla: sla.get(ticket.id) ?? [] };
  }
}
