// A shallow checkout of one commit into a build's own directory. git runs
// without a shell and without the agent user's configuration; credentials
// reach it through GIT_ASKPASS and the environment (HTTPS) or a 0600 key file
// (SSH), never through its arguments, and every line it prints is scrubbed.
import { spawn } from 'node:child_process';
import type { Dirent } from 'node:fs';
import { chmod, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_ERRORS, type BuildCredentials, type BuildSource } from '../../sync/events';
import { TaskFailure } from '../exec-context';
import type { Scrubber } from './scrub';

export type GitOptions = {
  /** An empty directory of this build: the checkout goes in `repo/`, git's home and credentials beside it. */
  workDir: string;
  source: BuildSource;
  credentials?: BuildCredentials;
  /** The fetched objects plus the checked-out files may not exceed this. */
  maxRepoBytes: number;
  signal: AbortSignal;
  scrub: Scrubber;
  log(line: string): void;
};

/** How often the size of a running fetch is checked. */
const SIZE_POLL_MS = 500;
/** How deep to fetch a branch when the server refuses a commit by sha (an older commit of it is asked for). */
const FALLBACK_DEPTH = 200;

const FULL_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export class GitCheckout {
  readonly dir: string;
  private readonly env: GitEnv;

  private constructor(private readonly options: GitOptions, env: GitEnv) {
    this.dir = join(options.workDir, 'repo');
    this.env = env;
  }

  /** Prepares git's home and credentials in the work directory and an empty repository. */
  static async open(options: GitOptions): Promise<GitCheckout> {
    const home = join(options.workDir, 'home');
    const secret = join(options.workDir, 'credentials');
    await mkdir(home, { mode: 0o700 });
    await mkdir(secret, { mode: 0o700 });
    const git = new GitCheckout(options, await gitEnv(home, secret, options.credentials));
    await mkdir(git.dir);
    await git.run(['init', '--quiet', git.dir]);
    await git.run(['remote', 'add', 'origin', '--', options.source.repo], {
      cwd: git.dir,
    });
    return git;
  }

  /** Fetches the commit to build (the source's, else the ref's head) and returns its full sha. */
  async fetch(): Promise<string> {
    const { ref, commit } = this.options.source;
    if (commit && FULL_SHA.test(commit)) {
      try {
        await this.fetchShallow(['--depth', '1', 'origin', commit]);
        return await this.resolve('FETCH_HEAD');
      } catch (error) {
        // Servers that refuse unadvertised objects: look for the commit on its branch instead.
        if (!(error instanceof GitRefError)) throw error;
        this.options.log(`the server will not send ${commit.slice(0, 12)} by itself; fetching ${ref}`);
      }
    }
    if (!commit) {
      await this.fetchShallow(['--depth', '1', 'origin', ref]);
      return this.resolve('FETCH_HEAD');
    }
    await this.fetchShallow(['--depth', String(FALLBACK_DEPTH), 'origin', ref]);
    try {
      return await this.resolve(commit);
    } catch {
      throw new TaskFailure(
        `${BUILD_ERRORS.refNotFound}: commit ${commit} is not among the last ${FALLBACK_DEPTH} commits of ${ref}`
      );
    }
  }

  async checkout(sha: string): Promise<void> {
    await this.run(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', sha], { cwd: this.dir });
    const size = await diskUsage(this.dir);
    if (size > this.options.maxRepoBytes) throw tooLarge(this.options.maxRepoBytes, size);
  }

  private async resolve(rev: string): Promise<string> {
    const { stdout } = await this.run(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: this.dir });
    return stdout.trim();
  }

  /** A fetch, stopped when the objects it writes grow over the size limit. */
  private async fetchShallow(args: string[]): Promise<void> {
    const limit = this.options.maxRepoBytes;
    const stop = new AbortController();
    const signal = AbortSignal.any([this.options.signal, stop.signal]);
    let over: number | null = null;
    const objects = join(this.dir, '.git', 'objects');
    const poll = setInterval(() => {
      void diskUsage(objects).then((size) => {
        if (size > limit && over === null) {
          over = size;
          stop.abort();
        }
      });
    }, SIZE_POLL_MS);
    try {
      await this.run(['fetch', '--no-tags', '--no-recurse-submodules', ...args], { cwd: this.dir, signal, classify: true });
    } catch (error) {
      if (over !== null) throw tooLarge(limit, over);
      throw error;
    } finally {
      clearInterval(poll);
    }
    const size = await diskUsage(objects);
    if (size > limit) throw tooLarge(limit, size);
  }

  /** Runs git; its stderr lines go to the build log, scrubbed. */
  private run(
    args: string[],
    {
      cwd = this.options.workDir,
      signal = this.options.signal,
      classify = false,
    }: { cwd?: string; signal?: AbortSignal; classify?: boolean } = {}
  ): Promise<{ stdout: string; stderr: string }> {
    const { scrub, log } = this.options;
    const fullArgs = [
      // No helper, hook or exotic transport of the host may take part.
      '-c', 'credential.helper=',
      '-c', 'core.hooksPath=/dev/null',
      '-c', 'protocol.ext.allow=never',
      '-c', 'uploadpack.allowAnySHA1InWant=true',
      ...args,
    ]; // prettier-ignore
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      // ProcessEnv is augmented elsewhere to require NODE_ENV; git needs none of it.
      const child = spawn('git', fullArgs, {
        cwd,
        env: this.env as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        signal,
        killSignal: 'SIGKILL',
      });
      let stdout = '';
      let stderr = '';
      let pending = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        pending += chunk;
        const lines = pending.split(/\r?\n|\r/);
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) log(scrub(line));
      });
      child.on('error', (error) => reject(signal.aborted ? signal.reason : error));
      child.on('close', (code) => {
        if (pending.trim()) log(scrub(pending));
        if (signal.aborted) return reject(signal.reason);
        if (code === 0) return resolve({ stdout, stderr });
        reject(classify ? fetchFailure(scrub(stderr)) : new TaskFailure(`git ${args[0]} failed: ${lastLine(scrub(stderr))}`));
      });
    });
  }
}

type GitEnv = Record<string, string | undefined>;

/** The commit or ref is not on the server (or the server will not send it by sha). */
class GitRefError extends TaskFailure {}

/** What went wrong with a fetch, from git's messages (LANG=C). */
export function fetchFailure(stderr: string): TaskFailure {
  if (/couldn't find remote ref|not our ref|no such remote ref|unadvertised object|upload-pack: not our ref/i.test(stderr)) {
    return new GitRefError(`${BUILD_ERRORS.refNotFound}: ${lastLine(stderr)}`);
  }
  if (
    /authentication failed|could not read (username|password)|terminal prompts disabled|permission denied \(publickey|access denied|returned error: 40[13]|invalid username or password|bad credentials/i.test(
      stderr
    )
  ) {
    return new TaskFailure(`${BUILD_ERRORS.auth}: ${lastLine(stderr)}`);
  }
  return new TaskFailure(`${BUILD_ERRORS.unreachable}: ${lastLine(stderr)}`);
}

/** git's own verdict: its first `fatal:` or `error:` line, else its last line. */
function lastLine(text: string): string {
  const lines = text
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter(Boolean);
  const verdict = lines.find((l) => /^(fatal|error): /.test(l)) ?? lines[lines.length - 1];
  return verdict?.replace(/^(fatal|error): /, '') ?? 'git gave no reason';
}

function tooLarge(limit: number, size: number): TaskFailure {
  const mb = (n: number) => `${Math.ceil(n / (1024 * 1024))} MB`;
  return new TaskFailure(`${BUILD_ERRORS.tooLarge}: over ${mb(size - 1)} (the limit is ${mb(limit)})`);
}

/** git's environment: nothing of the agent's own git or ssh configuration, no prompts, our credentials only. */
async function gitEnv(home: string, secretDir: string, credentials: BuildCredentials | undefined): Promise<GitEnv> {
  const askpass = join(secretDir, 'askpass');
  // Reads the answers from git's environment, so the secret is in no file and no argument.
  await writeFile(
    askpass,
    '#!/bin/sh\ncase "$1" in\n  Username*) printf \'%s\\n\' "$CONTAINR_GIT_USERNAME" ;;\n  *) printf \'%s\\n\' "$CONTAINR_GIT_PASSWORD" ;;\nesac\n',
    { mode: 0o700 }
  );
  const knownHosts = join(secretDir, 'known_hosts');
  const ssh = [
    'ssh',
    '-F /dev/null',
    '-o BatchMode=yes',
    '-o IdentitiesOnly=yes',
    // A fresh known_hosts per build: the host key is accepted on first sight (no pinning yet).
    '-o StrictHostKeyChecking=accept-new',
    `-o UserKnownHostsFile=${shellQuote(knownHosts)}`,
  ];
  const env: GitEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: home,
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: askpass,
    GIT_SSH_VARIANT: 'ssh',
  };
  if (credentials?.kind === 'token') {
    env.CONTAINR_GIT_USERNAME = credentials.username ?? 'x-access-token';
    env.CONTAINR_GIT_PASSWORD = credentials.token;
  } else {
    // Asked anyway (a private repository without credentials): answer nothing, so git fails at once.
    env.CONTAINR_GIT_USERNAME = '';
    env.CONTAINR_GIT_PASSWORD = '';
  }
  if (credentials?.kind === 'ssh-key') {
    const key = join(secretDir, 'id_deploy');
    const text = credentials.privateKey.replace(/\r\n/g, '\n');
    await writeFile(key, text.endsWith('\n') ? text : `${text}\n`, {
      mode: 0o600,
    });
    await chmod(key, 0o600); // whatever the umask
    ssh.push(`-i ${shellQuote(key)}`);
  } else {
    ssh.push('-o PubkeyAuthentication=no');
  }
  env.GIT_SSH_COMMAND = ssh.join(' ');
  return env;
}

/** git runs GIT_SSH_COMMAND through the shell; our paths are quoted for it. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Bytes used by the files under a directory (symbolic links not followed; a vanished entry counts 0). */
export async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await diskUsage(path);
    else
      total += await lstat(path).then(
        (s) => s.size,
        () => 0
      );
  }
  return total;
}
