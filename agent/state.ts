// The agent's identity on disk: after joining with a one-use join token it
// keeps the node id and node token the server gave it, and uses them from then on.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const stateSchema = z.object({ server: z.string().min(1), nodeId: z.string().min(1), token: z.string().min(1) });
export type AgentState = z.infer<typeof stateSchema>;

const FILE = 'node.json';

export function readState(dir: string): AgentState | null {
  const file = join(dir, FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const result = stateSchema.safeParse(safeJson(text));
  if (!result.success) throw new Error(`${file} is not a valid agent state file; move it away to join again`);
  return result.data;
}

/** Written atomically and readable by its owner only: it holds the node's credential. */
export function writeState(dir: string, state: AgentState): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
