// The agent `npm start` runs inside the server process: the same agent code
// and protocol as a remote node, over loopback, registered as the shared node
// "local". Its node token is kept in the data dir so restarts keep the node id.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { startAgent, type Agent } from '../../agent/agent';
import type { Env } from '../env';
import type { Logger } from '../logger';
import type { AgentHub } from './types';

const identitySchema = z.object({ nodeId: z.string().min(1), token: z.string().min(1) });

export const LOCAL_NODE_NAME = 'local';

export function startLocalAgent(opts: {
  hub: AgentHub;
  env: Pick<Env, 'dataDir' | 'host'>;
  port: number;
  logger: Logger;
}): Agent {
  const file = join(opts.env.dataDir, 'local-node.json');
  let identity = readIdentity(file);
  if (!identity || !opts.hub.verifyNodeToken(identity.nodeId, identity.token)) {
    identity = opts.hub.registerNode({ name: LOCAL_NODE_NAME, teamId: null });
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(identity)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const logger = opts.logger.child({ module: 'local-agent' });
  return startAgent({
    server: loopbackUrl(opts.env.host, opts.port),
    token: identity.token,
    name: LOCAL_NODE_NAME,
    // Its identity is the file above; the state dir keeps its log cursors across restarts.
    stateDir: join(opts.env.dataDir, 'local-agent'),
    logger,
    onFatal: (reason) => logger.error({ reason }, 'the local agent was refused; it stays off until the next start'),
  });
}

function readIdentity(file: string): z.infer<typeof identitySchema> | null {
  try {
    return identitySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file} is unreadable; remove it to register the local node again`, { cause: error });
  }
}

/** Our own port over loopback, like any agent would reach us (HOST may be a wildcard address). */
export function loopbackUrl(host: string, port: number): string {
  const address = ['0.0.0.0', '::', 'localhost', '::1'].includes(host) ? '127.0.0.1' : host;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}
