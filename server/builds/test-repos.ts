// Real git repositories for build tests and benchmarks: made with the git CLI
// in a temporary directory, committed to as the test goes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type TestRepo = {
  dir: string;
  /** file:// URL of the repository (what a service's source.repo holds). */
  url: string;
  /** Commits these files (on the current branch); returns the new head sha. */
  commit(files: Record<string, string>, message?: string): string;
  /** Creates and switches to a branch (from the current head). */
  branch(name: string): void;
  checkout(name: string): void;
  head(): string;
};

export function gitRepo(root: string, name: string, files: Record<string, string>): TestRepo & { first: string } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.test', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '--quiet', '--initial-branch=main');
  const repo: TestRepo = {
    dir,
    url: `file://${dir}`,
    commit(next, message) {
      for (const [path, text] of Object.entries(next)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      git('add', '--all');
      git('commit', '--quiet', '--allow-empty', '-m', message ?? `change ${Object.keys(next).join(', ')}`);
      return git('rev-parse', 'HEAD');
    },
    branch: (branchName) => void git('checkout', '--quiet', '-b', branchName),
    checkout: (branchName) => void git('checkout', '--quiet', branchName),
    head: () => git('rev-parse', 'HEAD'),
  };
  return { ...repo, first: repo.commit(files, 'first') };
}

/** A busybox httpd site on port 8080 that answers `text`. */
export const siteFiles = (text: string): Record<string, string> => ({
  Dockerfile: 'FROM containr/busybox\nCOPY index.html /www/index.html\nEXPOSE 8080\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n',
  'index.html': `${text}\n`,
});

/** A Node app without a Dockerfile (the runtime is detected) answering `text` on $PORT. */
export const nodeFiles = (text: string): Record<string, string> => ({
  'package.json': JSON.stringify({ name: 'sample', version: '1.0.0', scripts: { start: 'node server.js' } }, null, 2),
  'server.js': `require('node:http').createServer((req, res) => res.end(${JSON.stringify(
    text,
  )})).listen(Number(process.env.PORT || 3000));\n`,
});

/** GitHub's push payload, as much of it as Containr reads. */
export function githubPush(repoUrl: string, branch: string, sha: string) {
  return { ref: `refs/heads/${branch}`, before: '0'.repeat(40), after: sha, repository: { full_name: 'acme/web', clone_url: repoUrl } };
}

export function githubPullRequest(
  repoUrl: string,
  action: string,
  number: number,
  head: { ref: string; sha: string },
  base = 'main',
  merged = false,
) {
  return {
    action,
    number,
    repository: { full_name: 'acme/web', clone_url: repoUrl },
    pull_request: { title: `change ${number}`, merged, head: { ...head, repo: { clone_url: repoUrl } }, base: { ref: base } },
  };
}
