import { runAsMain, startService } from '@telcomesh/platform';
import { provisioningService } from './provisioning.service';

export const bootstrap = (env?: Record<string, string | undefined>) =>
  startService(provisioningService, env);

if (require.main === module) runAsMain(provisioningService);
