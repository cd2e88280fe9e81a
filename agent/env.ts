// The agent's configuration, parsed once at start from its arguments, with
// environment variables as fallbacks:
//   npm run agent -- --server URL --token TOKEN [--name NAME] [--state-dir DIR]
//     [--build-concurrency N] [--build-dir DIR] [--build-max-repo-mb MB]
// A bad value stops the agent with a message naming the argument.
import { homedir, hostname, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const schema = z.object({
  server: z.url({ protocol: /^https?$/, error: 'give the Containr URL, http(s)://host[:port]' }),
  token: z.string().min(16, 'give the token printed by "Add node" (or CONTAINR_AGENT_TOKEN)'),
  name: z.string().trim().min(1).max(128),
  stateDir: z.string().min(1),
  /** Builds from git running at once on this node. */
  buildConcurrency: z.coerce.number().int().min(1).max(64).default(2),
  /** Where build checkouts go (each removed after its build). */
  buildDir: z.string().min(1),
  /** Repositories larger than this (fetched objects plus checkout) are refused. */
  buildMaxRepoMb: z.coerce.number().int().min(1).max(1_000_000).default(512),
});

export type AgentEnv = z.infer<typeof schema>;

const FLAGS: Record<keyof AgentEnv, string> = {
  server: '--server',
  token: '--token',
  name: '--name',
  stateDir: '--state-dir',
  buildConcurrency: '--build-concurrency',
  buildDir: '--build-dir',
  buildMaxRepoMb: '--build-max-repo-mb',
};

export class AgentEnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentEnvError';
  }
}

export function parseAgentEnv(
  argv: string[] = process.argv.slice(2),
  env: Record<string, string | undefined> = process.env
): AgentEnv {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        name: { type: 'string' },
        'state-dir': { type: 'string' },
        'build-concurrency': { type: 'string' },
        'build-dir': { type: 'string' },
        'build-max-repo-mb': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new AgentEnvError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const result = schema.safeParse({
    server: values.server ?? env.CONTAINR_SERVER,
    // The environment keeps the token out of `ps`; the flag is what the UI prints.
    token: values.token ?? env.CONTAINR_AGENT_TOKEN,
    name: values.name ?? env.CONTAINR_AGENT_NAME ?? hostname(),
    stateDir: resolve(values['state-dir'] ?? env.CONTAINR_AGENT_STATE ?? resolve(homedir(), '.containr-agent')),
    buildConcurrency: values['build-concurrency'] ?? env.CONTAINR_AGENT_BUILD_CONCURRENCY,
    buildDir: resolve(values['build-dir'] ?? env.CONTAINR_AGENT_BUILD_DIR ?? resolve(tmpdir(), 'containr-builds')),
    buildMaxRepoMb: values['build-max-repo-mb'] ?? env.CONTAINR_AGENT_BUILD_MAX_REPO_MB,
  });
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${FLAGS[i.path[0] as keyof AgentEnv] ?? i.path.join('.')}: ${i.message}`);
    throw new AgentEnvError(`invalid arguments:\n${lines.join('\n')}\n${USAGE}`);
  }
  return { ...result.data, server: result.data.server.replace(/\/+$/, '') };
}

const USAGE =
  'usage: npm run agent -- --server URL --token TOKEN [--name NAME] [--state-dir DIR]\n' +
  '         [--build-concurrency N (2)] [--build-dir DIR] [--build-max-repo-mb MB (512)]';
