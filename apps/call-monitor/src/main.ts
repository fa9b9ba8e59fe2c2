import { runAsMain, startService } from '@telcomesh/platform';
import { callMonitorService } from './call-monitor.service';

export const bootstrap = (env?: Record<string, string | undefined>) =>
  startService(callMonitorService, env);

if (require.main === module) runAsMain(callMonitorService);
