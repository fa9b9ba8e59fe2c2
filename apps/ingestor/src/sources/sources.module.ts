import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@telcomesh/platform';
import { IngestorCore } from '../ingestor-core';
import type { IngestorConfig } from '../ingestor.config';
import { SourcesController } from './sources.controller';

/** The data-source registry's HTTP API, and the polling it drives (started with the app). */
@Module({
  controllers: [SourcesController],
  providers: [
    {
      provide: IngestorCore,
      inject: [SERVICE_RUNTIME],
      useFactory: async (runtime: ServiceRuntime<IngestorConfig>) => {
        const core = new IngestorCore(runtime);
        await core.applySourcesFile();
        return core;
      },
    },
  ],
  exports: [IngestorCore],
})
export class SourcesModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(IngestorCore) private readonly core: IngestorCore) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.core.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.core.stop();
  }
}
