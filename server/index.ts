// Entry point: `node --import tsx server/index.ts [--dev]`.
import { startContainr } from './app';
import { EnvError, parseEnv } from './env';
import { createLogger } from './logger';
import { MigrationError } from '../db/client';

async function main() {
  const dev = process.argv.includes('--dev');
  const env = parseEnv({ ...process.env, NODE_ENV: dev ? 'development' : process.env.NODE_ENV });
  const logger = createLogger(env.logLevel, dev);
  const remix = env.ui === 'none' ? 'none' : dev ? 'development' : 'production';
  const containr = await startContainr({ env, logger, remix });
  logger.info({ url: containr.url, dataDir: env.dataDir }, 'containr is listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    containr.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof EnvError || error instanceof MigrationError) {
    console.error(`containr: ${error.message}`);
  } else {
    console.error('containr: failed to start', error);
  }
  process.exit(1);
});
