import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@telcomesh/platform';
import { IngestorCore } from '../ingestor-core';
import type { IngestorConfig } from '../ingestor.config';
import { SourcesModule } from '../sources/sources.module';
import { SnmpTrapIntake } from './snmp-trap-intake';

/** The SNMP trap listener (INGESTOR_SNMP_TRAP_PORT), started and stopped with the app. */
@Module({
  imports: [SourcesModule],
  providers: [
    {
      provide: SnmpTrapIntake,
      inject: [SERVICE_RUNTIME, IngestorCore],
      useFactory: (runtime: ServiceRuntime<IngestorConfig>, core: IngestorCore) =>
        new SnmpTrapIntake(runtime, core),
    },
  ],
  exports: [SnmpTrapIntake],
})
export class SnmpTrapsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(SnmpTrapIntake) private readonly intake: SnmpTrapIntake) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.intake.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.intake.stop();
  }
}
