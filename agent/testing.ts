// Test support shared by agent/ and server/agents/ tests: every Docker object a
// test creates carries containr.test=agents (so `scripts/engine.sh clean agents`
// finds leftovers) and a per-run label, so parallel test files clean up only their own.
import type Docker from 'dockerode';
import { LABELS, type RunSpec } from '../sync/events';

export const BUSYBOX = 'containr/busybox:latest';

export function testRun(prefix: string) {
  const id = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  const labels = { 'containr.test': 'agents', 'containr.test-run': id };
  return {
    id,
    labels,
    name: (suffix: string) => `ctr-${id}-${suffix}`,
    /** A busybox httpd answering "hello" on 8080, with a path health check. */
    web(name: string, network: string, extra: Partial<RunSpec> = {}): RunSpec {
      return {
        name,
        image: BUSYBOX,
        env: { GREETING: 'hello' },
        command: ['sh', '-c', 'mkdir -p /www && echo "$GREETING" > /www/index.html && exec httpd -f -p 8080 -h /www'],
        labels: { ...labels, [LABELS.service]: 'web', [LABELS.project]: 'p1', [LABELS.environment]: 'e1' },
        network,
        aliases: ['web'],
        ports: [{ containerPort: 8080, publish: true }],
        resources: { cpu: 0.5, memoryMb: 64 },
        restartPolicy: 'unless-stopped',
        volumes: [],
        healthcheck: { path: '/', port: 8080, intervalS: 0.5 },
        ...extra,
      };
    },
  };
}

export async function requireEngine(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (error) {
    throw new Error(
      `No Docker engine answers at DOCKER_HOST=${
        process.env.DOCKER_HOST ?? '(unset)'
      }; run: eval "$(bash scripts/engine.sh up | tail -1)"`,
      { cause: error }
    );
  }
}

/** Removes containers, then networks and volumes, carrying this run's label. */
export async function removeTestObjects(docker: Docker, runId: string): Promise<void> {
  const filters = { label: [`containr.test-run=${runId}`] };
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreNotFound);
  }
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(ignoreNotFound);
  const { Volumes } = await docker.listVolumes({ filters });
  for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove().catch(ignoreNotFound);
}

function ignoreNotFound(error: unknown) {
  if ((error as { statusCode?: number }).statusCode !== 404) throw error;
}
