import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, ChangeReason } from '@telcomesh/platform';
import { IngestorCore, type SourceHealthView } from '../ingestor-core';
import { SourceIdPipe } from '../webhooks/source-id.pipe';
import type { ConnectionTestView, DataSourceView } from './source-catalog';
import {
  ConnectionTestDto,
  CreateDataSourceDto,
  DataSourceDto,
  SourceHealthDto,
  UpdateDataSourceDto,
} from './sources.dto';

@ApiTags('sources')
@ApiHeader({
  name: 'x-actor',
  required: false,
  description: 'Who makes the change (set by the gateway)',
})
@ApiHeader({ name: 'x-change-reason', required: false, description: 'Why, kept with the change' })
@ApiBadRequestResponse({
  description: 'Invalid input; the message and details.fields name each bad field',
})
@Controller('sources')
export class SourcesController {
  constructor(@Inject(IngestorCore) private readonly core: IngestorCore) {}

  @Post()
  @ApiOperation({ summary: 'Register a data source (seed data_sources row)' })
  @ApiCreatedResponse({ type: DataSourceDto })
  @ApiConflictResponse({ description: 'A source with this source_id exists' })
  create(
    @Body() body: CreateDataSourceDto,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ): Promise<DataSourceView> {
    return this.core.catalog.create(body, actor, reason);
  }

  @Get()
  @ApiOperation({ summary: 'List data sources (secrets masked)' })
  @ApiOkResponse({ type: [DataSourceDto] })
  list(): Promise<DataSourceView[]> {
    return this.core.catalog.list();
  }

  @Get(':sourceId')
  @ApiParam({ name: 'sourceId', example: 'oss-ericsson-001' })
  @ApiOperation({ summary: 'Read one data source (secrets masked)' })
  @ApiOkResponse({ type: DataSourceDto })
  @ApiNotFoundResponse()
  get(@Param('sourceId', SourceIdPipe) sourceId: string): Promise<DataSourceView> {
    return this.core.catalog.get(sourceId);
  }

  @Patch(':sourceId')
  @ApiParam({ name: 'sourceId', example: 'oss-ericsson-001' })
  @ApiOperation({ summary: 'Change a data source; "********" for a secret keeps the stored one' })
  @ApiOkResponse({ type: DataSourceDto })
  @ApiNotFoundResponse()
  update(
    @Param('sourceId', SourceIdPipe) sourceId: string,
    @Body() body: UpdateDataSourceDto,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ): Promise<DataSourceView> {
    return this.core.catalog.update(sourceId, body, actor, reason);
  }

  @Post(':sourceId/enable')
  @HttpCode(HttpStatus.OK)
  @ApiParam({ name: 'sourceId', example: 'oss-ericsson-001' })
  @ApiOperation({ summary: 'Start polling the source' })
  @ApiOkResponse({ type: DataSourceDto })
  @ApiNotFoundResponse()
  enable(
    @Param('sourceId', SourceIdPipe) sourceId: string,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ): Promise<DataSourceView> {
    return this.core.catalog.setEnabled(sourceId, true, actor, reason);
  }

  @Post(':sourceId/disable')
  @HttpCode(HttpStatus.OK)
  @ApiParam({ name: 'sourceId', example: 'oss-ericsson-001' })
  @ApiOperation({ summary: 'Stop polling the source (its cursor is kept)' })
  @ApiOkResponse({ type: DataSourceDto })
  @ApiNotFoundResponse()
  disable(
    @Param('sourceId', SourceIdPipe) sourceId: string,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ): Promise<DataSourceView> {
    return this.core.catalog.setEnabled(sourceId, false, actor, reason);
  }

  @Delete(':sourceId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiParam({ name: 'sourceId', example: 'oss-ericsson-001' })
  @ApiOperation({ summary: 'Delete a data source with its cursor and health' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(
    @Param('sourceId', SourceIdPipe) sourceId: string,
    @Actor() actor: string,
    @ChangeReason() reason: string,
  ): Promise<void> {
    await this.core.catalog.delete(sourceId, actor, reason);
  }

  @Post(':sourceId/test')
  @HttpCode(HttpStatus.OK)
  @ApiParam({ name: 'sourceId', example: 'oss-ericsson-001' })
  @ApiOperation({
    summary:
      'Test the connection: DNS, connect, TLS, auth, one request, parsing; names the stage that failed',
  })
  @ApiOkResponse({ type: ConnectionTestDto })
  @ApiNotFoundResponse()
  test(@Param('sourceId', SourceIdPipe) sourceId: string): Promise<ConnectionTestView> {
    return this.core.testSource(sourceId);
  }

  @Get(':sourceId/health')
  @ApiParam({ name: 'sourceId', example: 'oss-ericsson-001' })
  @ApiOperation({
    summary: 'Health of the source: last sync, errors, response time, volume, rejects, quality',
  })
  @ApiOkResponse({ type: SourceHealthDto })
  @ApiNotFoundResponse()
  health(@Param('sourceId', SourceIdPipe) sourceId: string): Promise<SourceHealthView> {
    return this.core.health(sourceId);
  }
}
