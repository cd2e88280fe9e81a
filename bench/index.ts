// `npm run bench [name…]`: runs each benchmark in its own process, one after
// another (they share two cores, so never in parallel), and lets each print
// its own table. Needs a Docker engine: it provisions one like the test command.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALL = ['sync-latency', 'deploy', 'build', 'live', 'alerts', 'canvas-render', 'overview'];
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !ALL.includes(name));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  process.exit(2);
}

if (!process.env.DOCKER_HOST) {
  const up = spawnSync('bash', ['scripts/engine.sh', 'up'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = up.stdout.trim().split('\n').pop() ?? '';
  if (up.status !== 0 || !line.startsWith('export DOCKER_HOST=')) {
    console.error('no Docker engine: see the messages above');
    process.exit(1);
  }
  process.env.DOCKER_HOST = line.slice('export DOCKER_HOST='.length);
}

let failed = 0;
for (const name of wanted.length ? wanted : ALL) {
  console.log(`\n━━ bench/${name} ━━`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join('bench', `${name}.ts`)], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`bench/${name} failed (exit ${run.status ?? run.signal})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
