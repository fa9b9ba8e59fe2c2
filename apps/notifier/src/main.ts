import { runAsMain, startService } from '@telcomesh/platform';
import { notifierService } from './notifier.service';

export const bootstrap = (env?: Record<string, string | undefined>) =>
  startService(notifierService, env);

if (require.main === module) runAsMain(notifierService);
