import { runAsMain, startService } from '@telcomesh/platform';
import { ticketSlaService } from './ticket-sla.service';

export const bootstrap = (env?: Record<string, string | undefined>) =>
  startService(ticketSlaService, env);

if (require.main === module) runAsMain(ticketSlaService);
