import {
  Controller,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import { SourceIdPipe } from './source-id.pipe';
import { SourceWebhookIntake, type WebhookDeliveryOutcome } from './source-webhook-intake';

export class WebhookDeliveryAcceptedDto implements WebhookDeliveryOutcome {
  @ApiProperty({
    description: 'webhook-id, the configured delivery header, or sha256:<hash of the body>',
  })
  delivery_id!: string;

  @ApiProperty({ description: 'True when this delivery was already accepted (nothing published)' })
  duplicate!: boolean;

  @ApiProperty({ description: 'Records published' })
  accepted!: number;

  @ApiProperty({ description: 'Records and unmappable items sent to ingest.rejects.v1' })
  rejected!: number;
}

@ApiTags('webhooks')
@Controller('webhooks/sources')
export class SourceWebhookController {
  constructor(@Inject(SourceWebhookIntake) private readonly intake: SourceWebhookIntake) {}

  @Post(':sourceId')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Receive a signed delivery of a webhook source',
    description:
      'The HMAC-SHA256 signature is checked on the raw body (x-signature-256: sha256=<hex>, or Standard Webhooks headers); the body is mapped by the source mapping, validated, enriched and published; rejects go to ingest.rejects.v1. A delivery id seen before publishes nothing.',
  })
  @ApiParam({ name: 'sourceId', description: 'Data source of source_type webhook' })
  @ApiHeader({ name: 'x-signature-256', required: false, description: 'sha256=<hex HMAC>' })
  @ApiHeader({ name: 'webhook-id', required: false, description: 'Standard Webhooks' })
  @ApiHeader({ name: 'webhook-timestamp', required: false, description: 'Standard Webhooks' })
  @ApiHeader({ name: 'webhook-signature', required: false, description: 'Standard Webhooks' })
  @ApiAcceptedResponse({ type: WebhookDeliveryAcceptedDto })
  @ApiUnauthorizedResponse({ description: 'Missing, malformed, wrong or expired signature' })
  @ApiNotFoundResponse({ description: 'No webhook source with this id' })
  @ApiConflictResponse({ description: 'The source is disabled' })
  @ApiBadRequestResponse({ description: 'The body is not JSON or its items cannot be read' })
  async receive(
    @Param('sourceId', SourceIdPipe) sourceId: string,
    @Req() request: RawBodyRequest<Request>,
  ): Promise<WebhookDeliveryAcceptedDto> {
    // The platform's JSON parser keeps the bytes as sent (HTTP_BODY_LIMIT applies); the HMAC is
    // computed on them, never on re-serialised JSON.
    const raw = request.rawBody;
    if (!raw) {
      throw new DomainError(ErrorCode.InvalidInput, 'body: expected a JSON body', {
        field: 'body',
      });
    }
    return this.intake.receive(sourceId, request.headers, raw);
  }
}
