import { runAsMain, startService } from '@telcomesh/platform';
import { ingestorService } from './ingestor.service';

export const bootstrap = (env?: Record<string, string | undefined>) =>
  startService(ingestorService, env);

if (require.main === module) runAsMain(ingestorService);
