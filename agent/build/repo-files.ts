// Reading files of a checkout that a repository's author controls: a symbolic
// link may point anywhere on the agent's host, so only what resolves inside the
// directory is read (a link to /etc/passwd as package.json must not end up,
// even in part, in a build log).
import { readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** The file's text when it is a regular file inside `dir` (after links); null otherwise. */
export async function readRepoFile(dir: string, path: string): Promise<string | null> {
  const inside = await resolveInside(dir, path);
  if (!inside || !(await stat(inside)).isFile()) return null;
  return readFile(inside, 'utf8');
}

/** Whether the path is a regular file inside `dir` (after links). */
export async function isRepoFile(dir: string, path: string): Promise<boolean> {
  const inside = await resolveInside(dir, path);
  return inside ? (await stat(inside)).isFile() : false;
}

async function resolveInside(dir: string, path: string): Promise<string | null> {
  try {
    const [root, target] = await Promise.all([realpath(dir), realpath(join(dir, path))]);
    return target === root || target.startsWith(root + sep) ? target : null;
  } catch {
    return null; // missing, or a dangling link
  }
}
