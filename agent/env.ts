// The agent's configuration, parsed once at start from its arguments, with
// environment variables as fallbacks:
//   npm run agent -- --server URL --token TOKEN [--name NAME] [--state-dir DIR]
// A bad value stops the agent with a message naming the argument.
import { homedir, hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const schema = z.object({
  server: z.url({ protocol: /^https?$/, error: 'give the Containr URL, http(s)://host[:port]' }),
  token: z.string().min(16, 'give the token printed by "Add node" (or CONTAINR_AGENT_TOKEN)'),
  name: z.string().trim().min(1).max(128),
  stateDir: z.string().min(1),
});

export type AgentEnv = z.infer<typeof schema>;

const FLAGS: Record<keyof AgentEnv, string> = {
  server: '--server',
  token: '--token',
  name: '--name',
  stateDir: '--state-dir',
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
  });
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${FLAGS[i.path[0] as keyof AgentEnv] ?? i.path.join('.')}: ${i.message}`);
    throw new AgentEnvError(`invalid arguments:\n${lines.join('\n')}\n${USAGE}`);
  }
  return { ...result.data, server: result.data.server.replace(/\/+$/, '') };
}

const USAGE = 'usage: npm run agent -- --server URL --token TOKEN [--name NAME] [--state-dir DIR]';
