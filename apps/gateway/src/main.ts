import { runAsMain, startService } from '@telcomesh/platform';
import { gatewayService } from './gateway.service';

export const bootstrap = (env?: Record<string, string | undefined>) =>
  startService(gatewayService, env);

if (require.main === module) runAsMain(gatewayService);
