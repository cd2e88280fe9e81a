// What to build a checkout with: its own Dockerfile, or a Dockerfile generated
// for the runtime its files show (Node, a static site, Python, Go). The
// generated files are meant to be read, and ejected into the repository.
//
// Node without npm: the default base image (containr/node) holds node only, so
// the generated Dockerfile calls npm only to install dependencies (none to
// install, or a vendored node_modules, needs no npm); the build and start
// scripts run through sh with node_modules/.bin on PATH, as npm would run them.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_ERRORS, type BuildRuntime, type BuildTask } from '../../sync/events';
import { TaskFailure } from '../exec-context';
import { isRepoFile, readRepoFile } from './repo-files';

export type BaseImages = BuildTask['baseImages'];

export type Detection =
  | { runtime: 'dockerfile'; dockerfilePath: string }
  | {
      runtime: Exclude<BuildRuntime, 'dockerfile'>;
      dockerfile: string;
      summary: string;
    };

/** Port a generated static server listens on when the container has no PORT variable. */
export const STATIC_PORT = 8080;
/** Where a Node build is looked for: the first of these holding an index.html. */
const STATIC_OUTPUT_DIRS = ['dist', 'build', 'out', 'public'];

export async function detectRuntime(
  dir: string,
  { rootDir, dockerfilePath, baseImages }: { rootDir: string; dockerfilePath?: string; baseImages: BaseImages }
): Promise<Detection> {
  if (dockerfilePath) {
    if (await isRepoFile(dir, dockerfilePath)) return { runtime: 'dockerfile', dockerfilePath };
    throw new TaskFailure(`${BUILD_ERRORS.dockerfileMissing}: ${join(rootDir, dockerfilePath)}`);
  }
  if (await isRepoFile(dir, 'Dockerfile')) return { runtime: 'dockerfile', dockerfilePath: 'Dockerfile' };

  const files = new Set(await readdir(dir).catch(() => [] as string[]));
  const procfile = await readRepoFile(dir, 'Procfile');
  const procfileWeb = procfile === null ? null : webCommand(procfile);

  if (files.has('package.json')) return node(dir, files, rootDir, baseImages, procfileWeb);
  if (files.has('go.mod')) return go(dir, files, baseImages, procfileWeb);
  if (files.has('requirements.txt') || files.has('pyproject.toml')) return python(files, rootDir, baseImages, procfileWeb);
  if (files.has('index.html')) return staticSite('.', baseImages);
  for (const out of STATIC_OUTPUT_DIRS) if (await isRepoFile(dir, `${out}/index.html`)) return staticSite(out, baseImages);
  throw new TaskFailure(
    `${BUILD_ERRORS.noRuntime} in ${rootDir}: add a Dockerfile, or a package.json, go.mod, requirements.txt, pyproject.toml or index.html`
  );
}

type PackageJson = {
  main?: unknown;
  scripts?: Record<string, unknown>;
  dependencies?: object;
  devDependencies?: object;
};

const LOCKFILES: Array<{ file: string; install: string }> = [
  { file: 'package-lock.json', install: 'npm ci' },
  { file: 'npm-shrinkwrap.json', install: 'npm ci' },
  {
    file: 'pnpm-lock.yaml',
    install: 'corepack enable && pnpm install --frozen-lockfile',
  },
  {
    file: 'yarn.lock',
    install: 'corepack enable && yarn install --frozen-lockfile',
  },
];

async function node(
  dir: string,
  files: Set<string>,
  rootDir: string,
  images: BaseImages,
  procfileWeb: string | null
): Promise<Detection> {
  let pkg: PackageJson;
  try {
    const text = await readRepoFile(dir, 'package.json');
    if (text === null) throw new Error('not a regular file of the repository');
    pkg = JSON.parse(text) as PackageJson;
    if (typeof pkg !== 'object' || pkg === null) throw new Error('not an object');
  } catch (error) {
    throw new TaskFailure(`${join(rootDir, 'package.json')} is not valid JSON: ${(error as Error).message}`);
  }
  const script = (name: string) => {
    const value = pkg.scripts?.[name];
    return typeof value === 'string' && value.trim() ? value.trim() : null;
  };
  const hasDeps = Object.keys(pkg.dependencies ?? {}).length + Object.keys(pkg.devDependencies ?? {}).length > 0;
  const lock = LOCKFILES.find((l) => files.has(l.file));
  const vendored = files.has('node_modules');
  const build = script('build');
  const start =
    procfileWeb ??
    script('start') ??
    (files.has('server.js') ? 'node server.js' : null) ??
    (typeof pkg.main === 'string' && pkg.main.trim() ? `node ${pkg.main.trim()}` : null) ??
    (files.has('index.js') ? 'node index.js' : null);

  const lines = [`FROM ${images.node}${build && !start ? ' AS build' : ''}`, 'WORKDIR /app'];
  const notes: string[] = [];
  if (hasDeps && !vendored) {
    lines.push(`COPY package.json${lock ? ` ${lock.file}` : ''} ./`, `RUN ${lock ? lock.install : 'npm install'}`);
    notes.push(lock ? lock.install : 'npm install');
  } else {
    notes.push(vendored ? 'vendored node_modules' : 'no dependencies');
  }
  lines.push('COPY . .', 'ENV PATH=/app/node_modules/.bin:$PATH');
  if (build) {
    lines.push(`RUN ${JSON.stringify(['sh', '-c', build])}`);
    notes.push('build script');
  }

  if (!start) {
    if (!build) {
      throw new TaskFailure(
        `${BUILD_ERRORS.noRuntime} in ${rootDir}: package.json has no start or build script, and there is no main, server.js or index.js`
      );
    }
    // A front-end project: build with Node, serve the output as a static site.
    lines.push(
      `RUN for d in ${STATIC_OUTPUT_DIRS.join(' ')}; do if [ -f "$d/index.html" ]; then mv "$d" /site; exit 0; fi; done; ` +
        `echo "the build wrote no index.html in ${STATIC_OUTPUT_DIRS.map((d) => `${d}/`).join(', ')}" >&2; exit 1`,
      '',
      `FROM ${images.static}`,
      'COPY --from=build /site /www',
      ...serveStatic()
    );
    return {
      runtime: 'static',
      summary: `a static site built with Node (${notes.join(', ')})`,
      dockerfile: header(`a static site built by the package.json build script, served by busybox httpd`, lines),
    };
  }
  lines.push('ENV NODE_ENV=production', `CMD ${cmd(start)}`);
  return {
    runtime: 'node',
    summary: `Node (${[...notes, `start: ${start}`].join(', ')})`,
    dockerfile: header('a Node app (package.json)', lines),
  };
}

async function go(dir: string, files: Set<string>, images: BaseImages, procfileWeb: string | null): Promise<Detection> {
  const pkg = await goMainPackage(dir, files);
  const lines = [`FROM ${images.go} AS build`, 'WORKDIR /src'];
  if (!files.has('vendor')) lines.push(`COPY ${files.has('go.sum') ? 'go.mod go.sum' : 'go.mod'} ./`, 'RUN go mod download');
  lines.push(
    'COPY . .',
    `RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app ${pkg}`,
    '',
    `FROM ${images.static}`,
    'COPY --from=build /out/app /usr/local/bin/app',
    `CMD ${procfileWeb ? cmd(procfileWeb) : '["/usr/local/bin/app"]'}`
  );
  return {
    runtime: 'go',
    summary: `Go (go.mod, main package ${pkg})`,
    dockerfile: header('a Go app (go.mod), built static', lines),
  };
}

/** `.` when the root holds package main, else the only command under cmd/. */
async function goMainPackage(dir: string, files: Set<string>): Promise<string> {
  for (const file of files) {
    if (!file.endsWith('.go') || file.endsWith('_test.go')) continue;
    if (/^\s*package\s+main\b/m.test((await readRepoFile(dir, file)) ?? '')) return '.';
  }
  if (files.has('cmd')) {
    const commands = (await readdir(join(dir, 'cmd'), { withFileTypes: true })).filter((e) => e.isDirectory());
    if (commands.length === 1) return `./cmd/${commands[0]?.name}`;
  }
  return '.';
}

function python(files: Set<string>, rootDir: string, images: BaseImages, procfileWeb: string | null): Detection {
  const start =
    procfileWeb ??
    ['main.py', 'app.py', 'server.py'].map((f) => (files.has(f) ? `python ${f}` : null)).find(Boolean) ??
    (files.has('manage.py') ? 'python manage.py runserver 0.0.0.0:${PORT:-8000}' : null);
  if (!start) {
    throw new TaskFailure(
      `${BUILD_ERRORS.noRuntime} in ${rootDir}: a Python project needs a start command: a Procfile "web:" line, or main.py, app.py, server.py or manage.py`
    );
  }
  const lines = [
    `FROM ${images.python}`,
    'WORKDIR /app',
    'ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1',
  ];
  if (files.has('requirements.txt')) lines.push('COPY requirements.txt ./', 'RUN pip install -r requirements.txt', 'COPY . .');
  else lines.push('COPY . .', 'RUN pip install .');
  lines.push(`CMD ${cmd(start)}`);
  const manifest = files.has('requirements.txt') ? 'requirements.txt' : 'pyproject.toml';
  return {
    runtime: 'python',
    summary: `Python (${manifest}, start: ${start})`,
    dockerfile: header(`a Python app (${manifest})`, lines),
  };
}

function staticSite(out: string, images: BaseImages): Detection {
  const lines = [`FROM ${images.static}`, out === '.' ? 'COPY . /www' : `COPY ${out}/ /www/`, ...serveStatic()];
  const where = out === '.' ? 'index.html' : `${out}/index.html`;
  return {
    runtime: 'static',
    summary: `a static site (${where})`,
    dockerfile: header(`a static site (${where}), served by busybox httpd`, lines),
  };
}

function serveStatic(): string[] {
  return [`EXPOSE ${STATIC_PORT}`, `CMD ["sh", "-c", "exec httpd -f -vv -p \\"\${PORT:-${STATIC_PORT}}\\" -h /www"]`];
}

function header(what: string, lines: string[]): string {
  return [`# Generated by Containr for ${what}.`, '# Commit it as Dockerfile to change it.', ...lines, ''].join('\n');
}

/**
 * CMD for a command line: the exec form when it is plain words (signals reach the
 * process), else through sh with `exec` when it is a single command.
 */
export function cmd(command: string): string {
  if (/^[\w./:@%+=,-]+( [\w./:@%+=,-]+)*$/.test(command)) return JSON.stringify(command.split(' '));
  const single = !/[;&|`\n]|\$\(/.test(command);
  return JSON.stringify(['sh', '-c', single ? `exec ${command}` : command]);
}

/** The command of a Procfile's `web:` line. */
function webCommand(procfile: string): string | null {
  const line = procfile.split(/\r?\n/).find((l) => /^web\s*:/.test(l));
  return line ? line.replace(/^web\s*:/, '').trim() || null : null;
}
