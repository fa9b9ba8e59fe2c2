import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import type { ServiceRuntime } from './runtime';
import { SERVICE_CONFIG, SERVICE_RUNTIME } from './tokens';

/** Makes the service runtime injectable everywhere and serves /health and /metrics. */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: ServiceRuntime): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_RUNTIME, useValue: runtime },
        { provide: SERVICE_CONFIG, useValue: runtime.config },
      ],
      exports: [SERVICE_RUNTIME, SERVICE_CONFIG],
    };
  }
}
