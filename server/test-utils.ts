// Helpers for integration tests: a real server on port 0 over a fresh SQLite
// file, real HTTP calls, and condition waits instead of sleeps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startContainr, type Containr } from './app';
import type { Clock } from './clock';
import { parseEnv } from './env';
import { createLogger } from './logger';

export type TestServer = { url: string; containr: Containr; dataDir: string; close(): Promise<void> };

export async function startTestServer(opts: { env?: Record<string, string>; clock?: Clock } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'containr-test-'));
  const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', CONTAINR_DATA_DIR: dataDir, NODE_ENV: 'test', ...opts.env });
  const containr = await startContainr({ env, logger: createLogger('silent', false), remix: 'none', clock: opts.clock });
  return {
    url: containr.url,
    containr,
    dataDir,
    async close() {
      await containr.close();
      rmSync(dataDir, { recursive: true, force: true });
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
