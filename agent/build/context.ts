// The build context: a tar stream of the context directory without what
// .dockerignore excludes (and without the checkout's .git), plus a generated
// Dockerfile when the runtime was detected.
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import tarFs from 'tar-fs';
import { DockerIgnore } from './dockerignore';
import { readRepoFile } from './repo-files';

export type ContextOptions = {
  /** The generated Dockerfile, added as `Dockerfile` at the context root. */
  dockerfile?: string;
  /** The repository's Dockerfile (relative to the context): sent even when .dockerignore names it, as the Docker CLI does. */
  dockerfilePath?: string;
};

export type BuildContext = {
  stream: NodeJS.ReadableStream;
  files: number;
  bytes: number;
};

/** Never sent: the checkout's own git directory. */
const ALWAYS_EXCLUDED = new Set(['.git']);

export async function packContext(dir: string, options: ContextOptions = {}): Promise<BuildContext> {
  const rules = DockerIgnore.parse((await readRepoFile(dir, '.dockerignore')) ?? '');
  const keep = new Set(['.dockerignore', options.dockerfilePath ?? 'Dockerfile']);
  const included = new Set<string>();
  let files = 0;
  let bytes = 0;

  /** Collects what to send under `rel`; true when anything under it is sent. */
  async function walk(rel: string): Promise<boolean> {
    let any = false;
    for (const entry of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (!rel && ALWAYS_EXCLUDED.has(entry.name)) continue;
      const excluded = rules.ignores(path) && !keep.has(path);
      if (entry.isDirectory()) {
        // An excluded directory is skipped whole, unless a `!` pattern may bring back something inside.
        if (excluded && !rules.hasExceptions) continue;
        const inside = await walk(path);
        if (inside || !excluded) {
          included.add(path);
          any = true;
        }
      } else if (!excluded) {
        included.add(path);
        files++;
        bytes += (await lstat(join(dir, path))).size;
        any = true;
      }
    }
    return any;
  }
  await walk('');

  const stream = tarFs.pack(dir, {
    ignore: (name) => {
      const rel = relative(dir, name).split(sep).join('/');
      return rel !== '' && !included.has(rel);
    },
    finalize: false,
    finish(pack) {
      if (options.dockerfile !== undefined) pack.entry({ name: 'Dockerfile', mode: 0o644 }, options.dockerfile);
      pack.finalize();
    },
  });
  // tar-stream's Pack is a streamx Readable: Node-compatible, typed without a few legacy methods.
  return { stream: stream as unknown as NodeJS.ReadableStream, files, bytes };
}
