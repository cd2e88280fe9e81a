// Builds from git against the real engine and real repositories made by the
// test: through the agent's TaskRunner, as the server's tasks arrive.
import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTaskSchema, type BuildResult, type Task, type TaskResult } from '../../sync/events';
import { silentLogger } from '../log';
import { TaskRunner } from '../tasks';
import { removeTestObjects, requireEngine, testRun } from '../testing';
import { Builds } from './builds';

const docker = new Docker();
const run = testRun('build');
const REPOSITORY = `containr-test/${run.id}`;
const root = mkdtempSync(join(tmpdir(), 'containr-build-test-'));
const stop = new AbortController();
const progress = new Map<string, string[]>();

function runnerWith(builds: Builds) {
  return new TaskRunner(
    { docker, nodeId: `node-${run.id}`, signal: stop.signal, builds },
    (id, message) => {
      progress.set(id, [...(progress.get(id) ?? []), message]);
    },
    silentLogger
  );
}
const builds = new Builds(docker, {
  workDir: join(root, 'work'),
  concurrency: 2,
});
const runner = runnerWith(builds);

let count = 0;
/** A build task for a repository; returns its id with the spec. */
function buildTask(repo: string, extra: Record<string, unknown> = {}, service = 'svc'): Task {
  const n = ++count;
  return {
    id: `t${n}-${run.id}`,
    spec: buildTaskSchema.parse({
      kind: 'build',
      buildId: `b${n}-${run.id}`,
      source: { repo, ref: 'main' },
      tag: `${REPOSITORY}/${service}`,
      timeoutS: 120,
      ...extra,
    }),
  };
}

/** A git repository with one commit of these files; returns its path and the commit. */
function gitRepo(
  name: string,
  files: Record<string, string>
): { dir: string; sha: string; commit(files: Record<string, string>): string } {
  const dir = join(root, 'repos', name);
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
  git('init', '--quiet', '--initial-branch=main');
  const commit = (next: Record<string, string>) => {
    for (const [path, text] of Object.entries(next)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    git('add', '--all');
    git('commit', '--quiet', '-m', `commit ${Object.keys(next).join(', ')}`);
    return git('rev-parse', 'HEAD');
  };
  return { dir, sha: commit(files), commit };
}

async function buildOk(task: Task): Promise<BuildResult> {
  const result = await runner.run(task);
  if (!result.ok) throw new Error(`build failed: ${result.error}\n${(progress.get(task.id) ?? []).join('\n')}`);
  expect(result.build).toBeDefined();
  return result.build as BuildResult;
}

async function buildFails(task: Task, using = runner): Promise<string> {
  const result: TaskResult = await using.run(task);
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.error;
}

/** Runs the image to completion and returns what it printed. */
async function output(image: string, cmd?: string[]): Promise<string> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    Tty: true,
    name: run.name(`out-${++count}`),
    Labels: run.labels,
  });
  await container.start();
  await container.wait();
  const logs = await container.logs({ stdout: true, stderr: true });
  await container.remove({ force: true });
  return logs.toString('utf8').replace(/\r/g, '');
}

/** Starts the image with PORT set and a published port; resolves with the first answer to GET /. */
async function serve(image: string, port: number): Promise<string> {
  // A network of the test's own, as deployed services get (an engine may run without the default bridge).
  const network = run.name('net');
  if (!(await docker.listNetworks({ filters: { name: [network] } })).some((n) => n.Name === network)) {
    await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: run.labels });
  }
  const container = await docker.createContainer({
    Image: image,
    Env: [`PORT=${port}`],
    name: run.name(`web-${++count}`),
    Labels: run.labels,
    ExposedPorts: { [`${port}/tcp`]: {} },
    HostConfig: {
      NetworkMode: network,
      PortBindings: {
        [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }],
      },
    },
  });
  await container.start();
  const info = await container.inspect();
  const hostPort = info.NetworkSettings.Ports[`${port}/tcp`]?.[0]?.HostPort;
  const deadline = Date.now() + 15_000;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      // Until the container listens, docker-proxy may accept and then hold a connection: each try is bounded.
      const res = await fetch(`http://127.0.0.1:${hostPort}/`, {
        signal: AbortSignal.timeout(1000),
      });
      if (res.ok) return await res.text();
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer from ${image} on ${port}: ${String(last)}`);
}

/** Resolves once the task has reported a line matching `pattern`. */
async function progressMatching(taskId: string, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(progress.get(taskId) ?? []).some((line) => pattern.test(line))) {
    if (Date.now() > deadline)
      throw new Error(`no progress line like ${pattern} for ${taskId}:\n${(progress.get(taskId) ?? []).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(() => requireEngine(docker));
afterAll(async () => {
  stop.abort();
  await removeTestObjects(docker, run.id);
  const images = await docker.listImages({
    filters: { label: ['containr.build'] },
  });
  for (const image of images) {
    const ours = (image.RepoTags ?? []).filter((t) => t.startsWith(`${REPOSITORY}/`));
    for (const tag of ours)
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
  }
  rmSync(root, { recursive: true, force: true });
});

describe('a repository with a Dockerfile', () => {
  const repo = gitRepo('dockerfile', {
    Dockerfile: 'FROM containr/busybox\nCOPY . /ctx\nCMD ["sh", "-c", "cat /ctx/hello.txt; ls -1a /ctx"]\n',
    'hello.txt': 'hello from git\n',
    '.dockerignore': '# not for the image\nsecret.txt\nlogs/\n*.tmp\n!keep.tmp\n',
    'secret.txt': 'do not ship\n',
    'logs/today.log': 'noise\n',
    'drop.tmp': 'x',
    'keep.tmp': 'y',
  });

  it('builds the commit, tags it <tag>:<sha>, and the image runs', async () => {
    const task = buildTask(repo.dir);
    const build = await buildOk(task);
    expect(build).toMatchObject({
      image: `${REPOSITORY}/svc:${repo.sha}`,
      commit: repo.sha,
      cached: false,
      runtime: 'dockerfile',
    });
    expect(build.dockerfile).toBeUndefined();
    const out = await output(build.image);
    expect(out).toContain('hello from git');
    // The build log came as progress, line by line.
    const lines = progress.get(task.id) ?? [];
    expect(lines).toContain(`commit ${repo.sha}`);
    expect(lines.some((l) => /^Step 1\/\d+ : FROM containr\/busybox$/.test(l))).toBe(true);
    const image = await docker.getImage(build.image).inspect();
    expect(image.Config.Labels['containr.managed']).toBe('true');
    expect(JSON.parse(image.Config.Labels['containr.build'] ?? '{}')).toMatchObject({
      build: task.spec.kind === 'build' && task.spec.buildId,
      commit: repo.sha,
      runtime: 'dockerfile',
    });
  });

  it('leaves out what .dockerignore names (and .git), keeps its exceptions', async () => {
    const build = await buildOk(buildTask(repo.dir));
    const listing = (await output(build.image)).split('\n').map((l) => l.trim());
    expect(listing).toEqual(expect.arrayContaining(['hello.txt', 'Dockerfile', 'keep.tmp', '.dockerignore']));
    for (const absent of ['secret.txt', 'logs', 'drop.tmp', '.git']) expect(listing).not.toContain(absent);
  });

  it('reuses the image of a commit built before, by sha or by ref', async () => {
    const bySha = buildTask(repo.dir, {
      source: { repo: repo.dir, ref: 'main', commit: repo.sha },
    });
    expect(await buildOk(bySha)).toMatchObject({
      cached: true,
      commit: repo.sha,
      runtime: 'dockerfile',
    });
    // Named by sha, the image answers without a fetch.
    expect((progress.get(bySha.id) ?? []).some((l) => l.startsWith('fetching'))).toBe(false);
    const byRef = buildTask(repo.dir);
    expect(await buildOk(byRef)).toMatchObject({
      cached: true,
      commit: repo.sha,
    });
    expect(progress.get(byRef.id)).toContain(`${REPOSITORY}/svc:${repo.sha} was already built from this commit: reusing it`);
  });

  it('builds an older commit when asked for it by sha', async () => {
    const older = gitRepo('history', {
      Dockerfile: 'FROM containr/busybox\nCOPY v.txt /v.txt\nCMD ["cat", "/v.txt"]\n',
      'v.txt': 'one\n',
    });
    const newer = older.commit({ 'v.txt': 'two\n' });
    const first = await buildOk(
      buildTask(
        older.dir,
        {
          source: {
            repo: `file://${older.dir}`,
            ref: 'main',
            commit: older.sha,
          },
        },
        'history'
      )
    );
    expect(first.commit).toBe(older.sha);
    expect(await output(first.image)).toContain('one');
    const head = await buildOk(buildTask(older.dir, {}, 'history'));
    expect(head.commit).toBe(newer);
    expect(await output(head.image)).toContain('two');
  });
});

describe('detected runtimes', () => {
  it('builds a Node app without a Dockerfile on containr/node, and it answers HTTP', async () => {
    const repo = gitRepo('node', {
      'package.json': JSON.stringify(
        {
          name: 'sample',
          version: '1.0.0',
          scripts: { start: 'node server.js' },
        },
        null,
        2
      ),
      'server.js':
        "require('node:http').createServer((req, res) => res.end('hello from node ' + process.version)).listen(Number(process.env.PORT || 3000));\n",
    });
    const build = await buildOk(buildTask(repo.dir, {}, 'node-app'));
    expect(build.runtime).toBe('node');
    expect(build.dockerfile).toContain('FROM containr/node');
    expect(build.dockerfile).toContain('CMD ["node","server.js"]');
    expect(await serve(build.image, 3456)).toMatch(/^hello from node v\d+/);
  });

  it('serves a static site from a root directory with busybox httpd', async () => {
    const repo = gitRepo('static', {
      'site/index.html': '<h1>static hello</h1>\n',
      'README.md': 'a monorepo\n',
    });
    const build = await buildOk(buildTask(repo.dir, { source: { repo: repo.dir, ref: 'main', rootDir: 'site' } }, 'site'));
    expect(build.runtime).toBe('static');
    expect(await serve(build.image, 8081)).toContain('static hello');
  });

  it('fails clearly when nothing can be detected', async () => {
    const repo = gitRepo('nothing', { 'notes.txt': 'just notes\n' });
    expect(await buildFails(buildTask(repo.dir))).toMatch(/^no Dockerfile and no runtime detected in \.:/);
  });
});

describe('failures', () => {
  it('fails on a failing RUN step with the step and its output', async () => {
    const repo = gitRepo('failing', {
      Dockerfile: 'FROM containr/busybox\nRUN echo "about to fail" && exit 3\n',
    });
    const task = buildTask(repo.dir, {}, 'failing');
    const error = await buildFails(task);
    expect(error).toMatch(/^build step failed: .*returned a non-zero code: 3/);
    expect(error).toContain('about to fail');
    expect(progress.get(task.id)).toContain('about to fail');
  });

  it('fails with "repository unreachable" for a path that is no repository', async () => {
    expect(await buildFails(buildTask(join(root, 'no-such-repo')))).toMatch(
      /^repository unreachable: .*does not appear to be a git repository/
    );
  });

  it('fails with "ref not found" for a branch the repository lacks', async () => {
    const repo = gitRepo('branchless', {
      Dockerfile: 'FROM containr/busybox\n',
    });
    const error = await buildFails(buildTask(repo.dir, { source: { repo: repo.dir, ref: 'nope' } }));
    expect(error).toMatch(/^ref not found: .*nope/);
  });

  it('refuses a repository over the size limit', async () => {
    const repo = gitRepo('large', {
      Dockerfile: 'FROM containr/busybox\n',
      'blob.bin': randomBytes(400 * 1024).toString('base64'),
    });
    const small = runnerWith(
      new Builds(docker, {
        workDir: join(root, 'work-small'),
        maxRepoBytes: 100 * 1024,
      })
    );
    expect(await buildFails(buildTask(repo.dir), small)).toMatch(/^repository too large: /);
  });

  it('times out, and a cancel aborts a running build', async () => {
    const repo = gitRepo('slow', {
      Dockerfile: 'FROM containr/busybox\nRUN echo "sleeping now" && sleep 60\n',
    });
    const timeout = await buildFails(buildTask(repo.dir, { timeoutS: 2 }, 'slow'));
    expect(timeout).toBe('build timed out after 2s');

    const task = buildTask(repo.dir, {}, 'slow');
    const result = runner.run(task);
    await progressMatching(task.id, /^sleeping now$/);
    const started = Date.now();
    const cancel = await runner.run({
      id: `cancel-${task.id}`,
      spec: {
        kind: 'cancel-build',
        buildId: (task.spec as { buildId: string }).buildId,
      },
    });
    expect(cancel.ok).toBe(true);
    const cancelled = await result;
    expect(cancelled).toMatchObject({ ok: false, error: 'build cancelled' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(builds.active).toBe(0);
  });
});

describe('the node limit', () => {
  it('queues builds over the limit, and a cancel takes a waiting build out of the queue', async () => {
    const repo = gitRepo('queued', { Dockerfile: 'FROM containr/busybox\nRUN echo "holding the slot" && sleep 60\n' });
    const one = new Builds(docker, { workDir: join(root, 'work-one'), concurrency: 1 });
    const single = runnerWith(one);
    const first = buildTask(repo.dir, {}, 'queued-a');
    const second = buildTask(repo.dir, {}, 'queued-b');
    const running = single.run(first);
    await progressMatching(first.id, /^holding the slot$/);
    const waiting = single.run(second);
    await progressMatching(second.id, /^waiting for a build slot \(1 builds run at once on this node\)$/);
    expect(one.active).toBe(2);

    const buildIdOf = (task: Task) => (task.spec.kind === 'build' ? task.spec.buildId : '');
    await single.run({ id: `cancel-${second.id}`, spec: { kind: 'cancel-build', buildId: buildIdOf(second) } });
    expect(await waiting).toMatchObject({ ok: false, error: 'build cancelled' });
    // It never started: no fetch.
    expect((progress.get(second.id) ?? []).some((l) => l.startsWith('fetching'))).toBe(false);
    await single.run({ id: `cancel-${first.id}`, spec: { kind: 'cancel-build', buildId: buildIdOf(first) } });
    expect(await running).toMatchObject({ ok: false, error: 'build cancelled' });
    expect(one.active).toBe(0);
  });
});

describe('credentials', () => {
  let server: Server;
  let seen: string[] = [];
  beforeAll(async () => {
    // A git host that refuses everyone: git asks GIT_ASKPASS, sends what it got, is refused again.
    server = createServer((req, res) => {
      if (req.headers.authorization) seen.push(req.headers.authorization);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('hands a token to git through GIT_ASKPASS, reports "authentication failed", and never shows the token', async () => {
    seen = [];
    const token = `tok_${randomBytes(12).toString('hex')}`;
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/team/app.git`;
    const task = buildTask(url, { credentials: { kind: 'token', token } });
    const error = await buildFails(task);
    expect(error).toMatch(/^authentication failed/);
    expect(seen).toContain(`Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`);
    expect(error).not.toContain(token);
    expect((progress.get(task.id) ?? []).join('\n')).not.toContain(token);
  });

  it('scrubs a token the build itself prints, and a password in the repository URL', async () => {
    const token = `tok_${randomBytes(12).toString('hex')}`;
    const repo = gitRepo('leaky', {
      Dockerfile: `FROM containr/busybox\nRUN echo "the token is ${token}"\n`,
    });
    const task = buildTask(repo.dir, { credentials: { kind: 'token', token } }, 'leaky');
    await buildOk(task);
    const lines = progress.get(task.id) ?? [];
    expect(lines).toContain('the token is ***');
    expect(lines.join('\n')).not.toContain(token);

    const password = `pw_${randomBytes(8).toString('hex')}`;
    const withPassword = buildTask(`http://deploy:${password}@127.0.0.1:1/app.git`);
    const error = await buildFails(withPassword);
    expect(error).toMatch(/^repository unreachable: /);
    expect(error + (progress.get(withPassword.id) ?? []).join('\n')).not.toContain(password);
    expect(progress.get(withPassword.id)?.[0]).toBe('fetching http://***@127.0.0.1:1/app.git main');
  });

  it('removes the SSH key file when the build ends', async () => {
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(48).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const repo = gitRepo('ssh-local', {
      Dockerfile: 'FROM containr/busybox\nRUN ls /\n',
    });
    // A local repository needs no key; the key file is written and removed all the same.
    await buildOk(buildTask(repo.dir, { credentials: { kind: 'ssh-key', privateKey: key } }, 'ssh'));
    const left = execFileSync('find', [join(root, 'work'), '-name', 'id_deploy'], { encoding: 'utf8' });
    expect(left).toBe('');
  });
});
