import {
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AlarmIntake } from './alarm-intake';
import { AlarmAcceptedDto, AlarmBatchDto, AlarmWebhookDto } from './alarm-webhook.dto';
import { WebhookTokenGuard } from './webhook-token.guard';
import { SourceIdPipe } from './source-id.pipe';

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiUnauthorizedResponse({
  description: 'INGESTOR_WEBHOOK_TOKEN is set and the bearer token is missing or wrong',
})
@ApiBadRequestResponse({ description: 'The body is invalid; the message names each bad field' })
@ApiParam({
  name: 'sourceId',
  description: 'Data source the alarms come from (e.g. oss-ericsson-001)',
})
@ApiHeader({
  name: 'x-tenant-id',
  required: false,
  description: 'Tenant of the alarms (default: DEFAULT_TENANT)',
})
@UseGuards(WebhookTokenGuard)
@Controller('webhooks/:sourceId/alarms')
export class AlarmWebhookController {
  constructor(@Inject(AlarmIntake) private readonly intake: AlarmIntake) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Receive one alarm and publish it as a normalized telemetry event' })
  @ApiAcceptedResponse({ type: AlarmAcceptedDto })
  receive(
    @Param('sourceId', SourceIdPipe) sourceId: string,
    @Headers('x-tenant-id') tenant: string | undefined,
    @Body() alarm: AlarmWebhookDto,
  ): Promise<AlarmAcceptedDto> {
    return this.intake.accept(sourceId, tenant, alarm);
  }

  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Receive up to 1000 alarms atomically' })
  @ApiAcceptedResponse({ type: [AlarmAcceptedDto] })
  receiveBatch(
    @Param('sourceId', SourceIdPipe) sourceId: string,
    @Headers('x-tenant-id') tenant: string | undefined,
    @Body() batch: AlarmBatchDto,
  ): Promise<AlarmAcceptedDto[]> {
    return this.intake.acceptMany(sourceId, tenant, batch.alarms);
  }
}
