// The checkout alone (no engine): which commit a source names, and that the work
// directory holds what git needs and nothing it should not.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildCredentials, BuildSource } from '../../sync/events';
import { fetchFailure, GitCheckout } from './git';
import { scrubber } from './scrub';

const root = mkdtempSync(join(tmpdir(), 'containr-git-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const repo = join(root, 'origin');
mkdirSync(repo);
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' }).trim();
git('init', '--quiet', '--initial-branch=main');
const shas: string[] = [];
for (const n of [1, 2, 3]) {
  writeFileSync(join(repo, 'n.txt'), `${n}\n`);
  git('add', 'n.txt');
  git('commit', '--quiet', '-m', `commit ${n}`);
  shas.push(git('rev-parse', 'HEAD'));
}
git('tag', 'v1', shas[0] as string);

let count = 0;
async function checkout(source: Partial<BuildSource>, credentials?: BuildCredentials) {
  const workDir = join(root, `work-${++count}`);
  mkdirSync(workDir);
  const lines: string[] = [];
  const checkout = await GitCheckout.open({
    workDir,
    source: { repo, ref: 'main', rootDir: '.', ...source },
    credentials,
    maxRepoBytes: 50 * 1024 * 1024,
    signal: new AbortController().signal,
    scrub: scrubber([]),
    log: (line) => lines.push(line),
  });
  const sha = await checkout.fetch();
  await checkout.checkout(sha);
  return { sha, text: readFileSync(join(checkout.dir, 'n.txt'), 'utf8').trim(), workDir, lines };
}

describe('git checkout', () => {
  it('takes the head of a branch, or of a tag', async () => {
    expect(await checkout({})).toMatchObject({ sha: shas[2], text: '3' });
    expect(await checkout({ ref: 'v1' })).toMatchObject({ sha: shas[0], text: '1' });
  });

  it('takes an exact commit by full or abbreviated sha', async () => {
    expect(await checkout({ commit: shas[1] })).toMatchObject({ sha: shas[1], text: '2' });
    expect(await checkout({ commit: shas[0]?.slice(0, 10) })).toMatchObject({ sha: shas[0], text: '1' });
  });

  it('says so when the commit is not on the branch', async () => {
    await expect(checkout({ commit: 'deadbeef12' })).rejects.toThrow(/^ref not found: commit deadbeef12 is not among/);
  });

  it('keeps credentials out of arguments: an askpass script reading the environment, a 0600 key file', async () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----';
    const { workDir } = await checkout({}, { kind: 'ssh-key', privateKey: key });
    const keyFile = join(workDir, 'credentials', 'id_deploy');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toBe(`${key}\n`);
    const token = await checkout({}, { kind: 'token', token: 'tok-123' });
    const askpass = readFileSync(join(token.workDir, 'credentials', 'askpass'), 'utf8');
    expect(askpass).toContain('$CONTAINR_GIT_PASSWORD');
    expect(askpass).not.toContain('tok-123');
    expect(existsSync(join(token.workDir, 'credentials', 'id_deploy'))).toBe(false);
  });
});

describe('fetch failures', () => {
  it('tells authentication, missing refs and unreachable repositories apart', () => {
    expect(fetchFailure("fatal: could not read Username for 'https://example.com': terminal prompts disabled").message).toMatch(
      /^authentication failed: /
    );
    expect(
      fetchFailure('git@example.com: Permission denied (publickey).\nfatal: Could not read from remote repository.').message
    ).toMatch(/^authentication failed: /);
    expect(fetchFailure("fatal: couldn't find remote ref nope").message).toBe("ref not found: couldn't find remote ref nope");
    expect(
      fetchFailure(
        "fatal: '/x' does not appear to be a git repository\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists."
      ).message
    ).toBe("repository unreachable: '/x' does not appear to be a git repository");
    expect(fetchFailure("fatal: unable to access 'https://x/': Could not resolve host: x").message).toMatch(
      /^repository unreachable: /
    );
  });
});
