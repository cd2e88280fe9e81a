import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUILD_BASE_IMAGES } from '../../sync/events';
import { cmd, detectRuntime, type Detection } from './detect';

const root = mkdtempSync(join(tmpdir(), 'containr-detect-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
async function detect(files: Record<string, string>, options: { dockerfilePath?: string } = {}): Promise<Detection> {
  const dir = join(root, String(++n));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(dir, { recursive: true });
  return detectRuntime(dir, {
    rootDir: '.',
    baseImages: { ...DEFAULT_BUILD_BASE_IMAGES },
    ...options,
  });
}

const pkg = (value: object) => JSON.stringify(value);
const dockerfileOf = (d: Detection) => (d.runtime === 'dockerfile' ? '' : d.dockerfile);

describe('runtime detection', () => {
  it('prefers the repository Dockerfile, or the one named', async () => {
    expect(await detect({ Dockerfile: 'FROM x', 'package.json': '{}' })).toEqual({
      runtime: 'dockerfile',
      dockerfilePath: 'Dockerfile',
    });
    expect(await detect({ 'docker/app.Dockerfile': 'FROM x' }, { dockerfilePath: 'docker/app.Dockerfile' })).toEqual({
      runtime: 'dockerfile',
      dockerfilePath: 'docker/app.Dockerfile',
    });
    await expect(detect({ 'package.json': '{}' }, { dockerfilePath: 'Dockerfile.prod' })).rejects.toThrow(
      /^Dockerfile not found: Dockerfile\.prod$/
    );
  });

  it('runs a Node app without dependencies with node alone (no npm)', async () => {
    const d = await detect({
      'package.json': pkg({ scripts: { start: 'node server.js' } }),
      'server.js': '',
    });
    expect(d.runtime).toBe('node');
    const text = dockerfileOf(d);
    expect(text).toContain('FROM containr/node\n');
    expect(text).not.toContain('npm');
    expect(text).toContain('CMD ["node","server.js"]');
  });

  it('installs with the lockfile first (cached layer), runs the build script, then starts', async () => {
    const d = await detect({
      'package.json': pkg({
        scripts: { build: 'tsc -p .', start: 'node dist/main.js' },
        dependencies: { express: '^4' },
      }),
      'package-lock.json': '{}',
    });
    expect(dockerfileOf(d).split('\n').slice(2)).toEqual([
      'FROM containr/node',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci',
      'COPY . .',
      'ENV PATH=/app/node_modules/.bin:$PATH',
      'RUN ["sh","-c","tsc -p ."]',
      'ENV NODE_ENV=production',
      'CMD ["node","dist/main.js"]',
      '',
    ]);
  });

  it('picks the install command from the lockfile, and installs nothing for a vendored node_modules', async () => {
    const deps = { dependencies: { a: '1' } };
    expect(dockerfileOf(await detect({ 'package.json': pkg(deps), 'index.js': '' }))).toContain('RUN npm install\n');
    expect(
      dockerfileOf(
        await detect({
          'package.json': pkg(deps),
          'yarn.lock': '',
          'index.js': '',
        })
      )
    ).toContain('yarn install --frozen-lockfile');
    expect(
      dockerfileOf(
        await detect({
          'package.json': pkg(deps),
          'pnpm-lock.yaml': '',
          'index.js': '',
        })
      )
    ).toContain('pnpm install --frozen-lockfile');
    const vendored = await detect({
      'package.json': pkg(deps),
      'node_modules/a/index.js': '',
      'index.js': '',
    });
    expect(dockerfileOf(vendored)).not.toContain('npm');
    expect(vendored.runtime === 'node' && vendored.summary).toContain('vendored node_modules');
  });

  it('starts with server.js, then main, then index.js; a Procfile web line wins', async () => {
    expect(dockerfileOf(await detect({ 'package.json': '{}', 'server.js': '', 'index.js': '' }))).toContain(
      'CMD ["node","server.js"]'
    );
    expect(dockerfileOf(await detect({ 'package.json': pkg({ main: 'lib/app.js' }) }))).toContain('CMD ["node","lib/app.js"]');
    expect(dockerfileOf(await detect({ 'package.json': '{}', 'index.js': '' }))).toContain('CMD ["node","index.js"]');
    expect(
      dockerfileOf(
        await detect({
          'package.json': '{}',
          'index.js': '',
          Procfile: 'web: node web.js --port=$PORT\n',
        })
      )
    ).toContain('CMD ["sh","-c","exec node web.js --port=$PORT"]');
  });

  it('builds a front-end project without a start into a static site', async () => {
    const d = await detect({
      'package.json': pkg({
        scripts: { build: 'vite build' },
        devDependencies: { vite: '5' },
      }),
      'package-lock.json': '',
    });
    expect(d.runtime).toBe('static');
    const text = dockerfileOf(d);
    expect(text).toContain('FROM containr/node AS build\n');
    expect(text).toContain('FROM containr/busybox\nCOPY --from=build /site /www\n');
    expect(text).toContain('httpd -f -vv');
  });

  it('serves index.html at the root, or in a build output directory', async () => {
    const rootSite = await detect({ 'index.html': '<h1>hi</h1>' });
    expect(rootSite.runtime).toBe('static');
    expect(dockerfileOf(rootSite)).toContain('COPY . /www\n');
    expect(dockerfileOf(await detect({ 'public/index.html': '' }))).toContain('COPY public/ /www/\n');
    expect(dockerfileOf(await detect({ 'dist/index.html': '' }))).toContain('COPY dist/ /www/\n');
  });

  it('builds Python from requirements.txt or pyproject.toml', async () => {
    const req = await detect({ 'requirements.txt': 'flask\n', 'app.py': '' });
    expect(req.runtime).toBe('python');
    expect(dockerfileOf(req)).toContain('FROM python:3-slim\n');
    expect(dockerfileOf(req)).toContain(
      'COPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\nCMD ["python","app.py"]'
    );
    expect(dockerfileOf(await detect({ 'pyproject.toml': '', 'main.py': '' }))).toContain(
      'COPY . .\nRUN pip install .\nCMD ["python","main.py"]'
    );
    await expect(detect({ 'requirements.txt': '' })).rejects.toThrow(
      /^no Dockerfile and no runtime detected in \.: a Python project/
    );
  });

  it('builds Go statically and runs it on the static base image', async () => {
    const root = await detect({
      'go.mod': 'module x',
      'go.sum': '',
      'main.go': 'package main\nfunc main() {}\n',
    });
    expect(root.runtime).toBe('go');
    expect(dockerfileOf(root)).toContain('COPY go.mod go.sum ./\nRUN go mod download\n');
    expect(dockerfileOf(root)).toContain('-o /out/app .\n');
    expect(dockerfileOf(root)).toContain('FROM containr/busybox\n');
    const cmdDir = await detect({
      'go.mod': 'module x',
      'cmd/server/main.go': 'package main',
      'lib.go': 'package x',
    });
    expect(dockerfileOf(cmdDir)).toContain('-o /out/app ./cmd/server\n');
  });

  it('names what it looked for when it finds nothing', async () => {
    await expect(detect({ 'README.md': '' })).rejects.toThrow(/^no Dockerfile and no runtime detected in \.: add a Dockerfile/);
    await expect(detect({ 'package.json': '{}' })).rejects.toThrow(/package\.json has no start or build script/);
    await expect(detect({ 'package.json': '{not json' })).rejects.toThrow(/package\.json is not valid JSON/);
  });

  it('reads no file a symbolic link takes outside the directory', async () => {
    const outside = join(root, 'host-secret.txt');
    writeFileSync(outside, 'root:secret-hash:0:0');
    const dir = join(root, 'links');
    mkdirSync(dir, { recursive: true });
    symlinkSync(outside, join(dir, 'package.json'));
    symlinkSync(outside, join(dir, 'Procfile'));
    const error = await detectRuntime(dir, { rootDir: '.', baseImages: { ...DEFAULT_BUILD_BASE_IMAGES } }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/package\.json is not valid JSON: not a regular file of the repository/);
    expect((error as Error).message).not.toContain('secret');
  });

  it('writes CMD in exec form for plain words, through sh otherwise', () => {
    expect(cmd('node server.js')).toBe('["node","server.js"]');
    expect(cmd('next start -p $PORT')).toBe('["sh","-c","exec next start -p $PORT"]');
    expect(cmd('node migrate.js && node server.js')).toBe('["sh","-c","node migrate.js && node server.js"]');
  });
});
