// The node agent's entry point:
//   npm run agent -- --server URL --token TOKEN [--name NAME] [--state-dir DIR]
// Docker is reached through DOCKER_HOST (or the default socket).
import { pino } from 'pino';
import { startAgent } from './agent';
import { AgentEnvError, parseAgentEnv } from './env';

function main() {
  const env = parseAgentEnv();
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: undefined });
  logger.info({ server: env.server, name: env.name, stateDir: env.stateDir }, 'containr agent starting');
  const agent = startAgent({
    ...env,
    builds: { concurrency: env.buildConcurrency, workDir: env.buildDir, maxRepoBytes: env.buildMaxRepoMb * 1024 * 1024 },
    logger,
    onFatal(reason) {
      console.error(
        `containr agent: the server refused this agent (${reason}); create a new join token and run the command again`
      );
      process.exit(1);
    },
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void agent.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

try {
  main();
} catch (error) {
  console.error(`containr agent: ${error instanceof AgentEnvError ? error.message : String(error)}`);
  process.exit(1);
}
