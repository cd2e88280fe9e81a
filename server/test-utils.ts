// Helpers for integration tests: a real server on port 0 over a fresh SQLite
// file, real HTTP calls, and condition waits instead of sleeps.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, startContainr, type Containr } from './app';
import type { Clock } from './clock';
import type { RemixMode } from './http/remix';
import { parseEnv } from './env';
import { createLogger } from './logger';
import type { ReconcilerOptions } from './reconciler';
import type { SyncOptions } from './sync';

export type TestServer = { url: string; containr: Containr; dataDir: string; close(): Promise<void> };

/**
 * Starts a server on a fresh data dir, or on `dataDir` to restart over an
 * earlier server's database (the caller then owns and removes that dir).
 */
export async function startTestServer(
  opts: {
    env?: Record<string, string>;
    clock?: Clock;
    dataDir?: string;
    sync?: Partial<SyncOptions>;
    deploy?: Partial<ReconcilerOptions>;
    /** 'development' serves the Remix pages through Vite (no build needed); default none. */
    remix?: RemixMode;
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'containr-test-'));
  const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', CONTAINR_DATA_DIR: dataDir, NODE_ENV: 'test', ...opts.env });
  const containr = await startContainr({
    env,
    logger: createLogger('silent', false),
    remix: opts.remix ?? 'none',
    clock: opts.clock,
    sync: opts.sync,
    deploy: opts.deploy,
  });
  return {
    url: containr.url,
    containr,
    dataDir,
    async close() {
      await containr.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Session = { cookie: string; user: { id: string; email: string; name: string }; teamId: string };

let counter = 0;

/** Signs up a fresh user over the API and returns its session cookie. */
export async function signUp(url: string, name = 'Test User'): Promise<Session> {
  const email = `user${++counter}-${process.pid}-${Date.now()}@example.test`;
  const res = await fetch(`${url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'a long password', name }),
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  const body = (await res.json()) as { user: Session['user']; teamId: string };
  return { cookie, ...body };
}

/** Creates an API token for a signed-up user (for `Authorization: Bearer` or the Yjs endpoint's `?token=`). */
export async function createApiToken(url: string, session: { cookie: string }, name = 'test'): Promise<string> {
  const res = await client(url, session)('POST', '/api/tokens', { name });
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/** A JSON API client bound to one session cookie or bearer token. */
export function client(url: string, auth: { cookie?: string; token?: string } = {}) {
  return async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(auth.cookie ? { cookie: auth.cookie } : {}),
        ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are asserted field by field
    let json: any;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, body: json, headers: res.headers };
  };
}

/** Polls `predicate` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(predicate: () => T | Promise<T>, timeoutMs = 5_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type ServerProcess = { url: string; pid: number; kill(signal?: NodeJS.Signals): Promise<void> };

/**
 * The real entry point (`node --import tsx server/index.ts`) in its own
 * process, without the Remix UI, on a free port; resolves with the URL it logs.
 * For tests that kill the server and benchmarks that measure its memory.
 */
export async function spawnServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      CONTAINR_UI: 'none',
      CONTAINR_LOCAL_AGENT: 'false',
      CONTAINR_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const lines = createInterface({ input: child.stdout });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server did not start within 30 s')), 30_000);
      child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)));
      lines.on('line', (line) => {
        let entry: { msg?: string; url?: string };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          return; // not a log line
        }
        if (entry.msg === 'containr is listening' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      });
    });
    return { url, pid: child.pid!, kill };
  } catch (error) {
    await kill('SIGKILL');
    throw error;
  }
}
