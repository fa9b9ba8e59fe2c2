// The six service definitions, for the composition roots in scripts/ (embedded launcher, CLIs).
import type { ServiceConfig } from '@telcomesh/config';
import type { ServiceDefinition } from '@telcomesh/platform';
import { callMonitorService } from '../apps/call-monitor/src/call-monitor.service';
import { gatewayService } from '../apps/gateway/src/gateway.service';
import { ingestorService } from '../apps/ingestor/src/ingestor.service';
import { notifierService } from '../apps/notifier/src/notifier.service';
import { provisioningService } from '../apps/provisioning/src/provisioning.service';
import { ticketSlaService } from '../apps/ticket-sla/src/ticket-sla.service';

export const SERVICES: readonly ServiceDefinition<ServiceConfig>[] = [
  gatewayService,
  ingestorService,
  provisioningService,
  ticketSlaService,
  callMonitorService,
  notifierService,
];

export function serviceNamed(name: string | undefined): ServiceDefinition<ServiceConfig> {
  const found = SERVICES.find((s) => s.name === name);
  if (!found) {
    throw new Error(
      `unknown service "${name ?? ''}"; one of: ${SERVICES.map((s) => s.name).join(', ')}`,
    );
  }
  return found;
}
