// Checks, against the real engine in DOCKER_HOST (see scripts/engine.sh), what Containr
// relies on: the local base images run, services reach each other by name on a
// user-defined network, and ports published on 127.0.0.1 answer from the host.
import Docker from 'dockerode';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BUSYBOX = 'containr/busybox:latest';
const NODE = 'containr/node:latest';
const LABELS = { 'containr.test': 'smoke', 'containr.managed': 'true' };
const RUN = `${process.pid}-${Date.now().toString(36)}`;

const docker = new Docker();
const containers = new Set<string>();
const networks = new Set<string>();

beforeAll(async () => {
  try {
    await withTimeout(docker.ping(), 5_000);
  } catch (error) {
    throw new Error(
      `No Docker engine answers at DOCKER_HOST=${process.env.DOCKER_HOST ?? '(unset, so /var/run/docker.sock)'}. ` +
        `Start one with: eval "$(scripts/engine.sh up | tail -1)". Cause: ${String(error)}`,
      { cause: error },
    );
  }
  for (const image of [BUSYBOX, NODE]) {
    await docker
      .getImage(image)
      .inspect()
      .catch((error: unknown) => {
        throw new Error(`Base image ${image} is missing: run scripts/engine.sh up. Cause: ${String(error)}`, {
          cause: error,
        });
      });
  }
});

afterAll(async () => {
  // Containers before networks: a network in use cannot be removed.
  const failures: unknown[] = [];
  for (const id of containers) {
    await docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((error: unknown) => isNotFound(error) || failures.push(error));
  }
  for (const id of networks) {
    await docker
      .getNetwork(id)
      .remove()
      .catch((error: unknown) => isNotFound(error) || failures.push(error));
  }
  if (failures.length > 0) throw new AggregateError(failures, 'engine smoke test cleanup failed');
});

describe('docker engine', () => {
  it('runs a busybox container and returns its logs', async () => {
    const container = await create({ Image: BUSYBOX, Cmd: ['sh', '-c', 'echo hello from containr'] });
    await container.start();
    const { StatusCode } = await container.wait();
    expect(StatusCode).toBe(0);

    const output = demux(await container.logs({ stdout: true, stderr: true, follow: false }));
    expect(output).toEqual({ stdout: 'hello from containr\n', stderr: '' });

    await container.remove();
    containers.delete(container.id);
  }, 30_000);

  it('resolves services by name on a user network and publishes ports on 127.0.0.1', async () => {
    const networkName = `containr-smoke-${RUN}`;
    const network = await docker.createNetwork({ Name: networkName, Driver: 'bridge', Labels: LABELS });
    networks.add(network.id);

    const web = await create({
      Image: BUSYBOX,
      Cmd: ['sh', '-c', 'mkdir -p /www && echo hello from web > /www/index.html && exec httpd -f -p 8080 -h /www'],
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: {
        NetworkMode: networkName,
        PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      },
      NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: ['web'] } } },
    });
    await web.start();

    const info = await web.inspect();
    const binding = info.NetworkSettings.Ports['8080/tcp']?.[0];
    expect(binding?.HostIp).toBe('127.0.0.1');
    const body = await poll('httpd to answer on the published port', async () => {
      const response = await fetch(`http://127.0.0.1:${binding?.HostPort}/`, { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.text();
    });
    expect(body).toBe('hello from web\n');

    // busybox wget, and node's fetch (glibc's resolver inside the minimal node image).
    const clients: [string, string[]][] = [
      [BUSYBOX, ['wget', '-qO-', 'http://web:8080/']],
      [NODE, ['node', '-e', "fetch('http://web:8080/').then((r) => r.text()).then((t) => process.stdout.write(t))"]],
    ];
    for (const [Image, Cmd] of clients) {
      const client = await create({ Image, Cmd, HostConfig: { NetworkMode: networkName } });
      await client.start();
      const { StatusCode } = await client.wait();
      const output = demux(await client.logs({ stdout: true, stderr: true, follow: false }));
      expect({ StatusCode, ...output }, Image).toEqual({ StatusCode: 0, stdout: 'hello from web\n', stderr: '' });
    }
  }, 60_000);
});

async function create(options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const container = await docker.createContainer({
    name: `containr-smoke-${RUN}-${containers.size}`,
    Labels: LABELS,
    ...options,
  });
  containers.add(container.id);
  return container;
}

// Logs of a container without a TTY come in frames: an 8-byte header (stream type in
// byte 0: 1 stdout, 2 stderr; big-endian payload length in bytes 4–7), then the payload.
function demux(buffer: Buffer): { stdout: string; stderr: string } {
  const parts = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    const payload = buffer.subarray(offset + 8, offset + 8 + size);
    (buffer[offset] === 2 ? parts.stderr : parts.stdout).push(payload);
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(parts.stdout).toString(), stderr: Buffer.concat(parts.stderr).toString() };
}

async function poll<T>(what: string, attempt: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(error)}`, { cause: error });
      }
    }
    await delay(100);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, delay(ms).then(() => Promise.reject(new Error(`no answer within ${ms} ms`)))]);
}

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}
