import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../app';
import { signUpAs, teamOfFour, type Person } from '../teams/test-support';
import { client, startTestServer, type TestServer } from '../test-utils';

let server: TestServer;
let offset = 0;
beforeAll(async () => {
  server = await startTestServer({ clock: { now: () => Date.now() + offset }, env: { CONTAINR_LOGIN_MAX_FAILURES: '50' } });
});
afterAll(() => server.close());

type Entry = { id: number; action: string; actorId: string | null; actorEmail: string | null; projectId: string | null; ip: string | null; createdAt: string };

async function page(person: Person, query: string): Promise<{ entries: Entry[]; nextCursor: number | null }> {
  const res = await person.api('GET', `/api/audit?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe('the audit log API', () => {
  it('records every mutation of a project with its actor, and filters by project, actor and action', async () => {
    const { teamId, owner, developer } = await teamOfFour(server);
    const project = (await owner.api('POST', '/api/projects', { name: 'audited', teamId })).body.project;
    await developer.api('PATCH', `/api/projects/${project.id}`, { description: 'changed' });
    const env = (await developer.api('POST', `/api/projects/${project.id}/environments`, { name: 'staging' })).body.environment;
    await developer.api('DELETE', `/api/environments/${env.id}`);

    const byProject = await page(owner, `projectId=${project.id}`);
    expect(byProject.entries.map((e) => e.action)).toEqual(['environment.delete', 'environment.create', 'project.update', 'project.create']);
    expect((await page(owner, `teamId=${teamId}&actor=${developer.id}&action=environment.*`)).entries.map((e) => e.action)).toEqual([
      'environment.delete',
      'environment.create',
    ]);
    expect((await page(owner, `teamId=${teamId}&actor=${developer.email.toUpperCase()}&action=project.update`)).entries).toHaveLength(1);
  });

  it('pages with a cursor, newest first, and filters by time range', async () => {
    const { teamId, owner } = await teamOfFour(server);
    offset = -3_600_000; // an hour ago
    await owner.api('POST', '/api/projects', { name: 'old', teamId });
    offset = 0;
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) await owner.api('POST', '/api/projects', { name, teamId });

    const seen: Entry[] = [];
    let cursor: number | null = null;
    do {
      const next: { entries: Entry[]; nextCursor: number | null } = await page(owner, `teamId=${teamId}&action=project.create&limit=2${cursor ? `&before=${cursor}` : ''}`);
      expect(next.entries.length).toBeLessThanOrEqual(2);
      seen.push(...next.entries);
      cursor = next.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((a, b) => b - a));

    const halfAnHourAgo = new Date(Date.now() - 1_800_000).toISOString();
    expect((await page(owner, `teamId=${teamId}&action=project.create&from=${halfAnHourAgo}`)).entries).toHaveLength(5);
    expect((await page(owner, `teamId=${teamId}&action=project.create&to=${halfAnHourAgo}`)).entries).toHaveLength(1);
    expect((await page(owner, `teamId=${teamId}&action=project.create&to=${Date.now() - 1_800_000}`)).entries).toHaveLength(1);
  });

  it('shows client addresses to owners and admins only, and hides other teams', async () => {
    const { teamId, owner, admin, developer, viewer } = await teamOfFour(server);
    await owner.api('POST', '/api/projects', { name: 'ip', teamId });
    const sample = async (p: Person) => (await page(p, `teamId=${teamId}&action=project.create`)).entries[0].ip;
    expect(await sample(owner)).toBe('127.0.0.1');
    expect(await sample(admin)).toBe('127.0.0.1');
    expect(await sample(developer)).toBeNull();
    expect(await sample(viewer)).toBeNull();

    const stranger = await signUpAs(server);
    expect((await stranger.api('GET', `/api/audit?teamId=${teamId}`)).status).toBe(404);
    expect((await page(stranger, '')).entries.every((e) => e.actorId === stranger.id)).toBe(true);
  });

  it('records failed logins on the account', async () => {
    const person = await signUpAs(server);
    await client(server.url)('POST', '/api/auth/login', { email: person.email, password: 'wrong wrong' });
    const activity = (await person.api('GET', '/api/account')).body.activity;
    expect(activity[0]).toMatchObject({ action: 'auth.login_failed', actorId: person.id });
  });

  it('rejects malformed queries', async () => {
    const person = await signUpAs(server);
    for (const query of ['action=DROP%20TABLE', 'from=yesterday', 'limit=1000', 'before=-3']) {
      expect((await person.api('GET', `/api/audit?${query}`)).status, query).toBe(422);
    }
  });
});

describe('append-only', () => {
  it('is enforced by the database: UPDATE and DELETE on audit_log fail', () => {
    const sqlite = server.containr.services.db.$client;
    const before = (sqlite.prepare('select count(*) as n from audit_log').get() as { n: number }).n;
    expect(before).toBeGreaterThan(0);
    expect(() => sqlite.prepare("update audit_log set action = 'forged'").run()).toThrow(/append-only/);
    expect(() => sqlite.prepare('delete from audit_log').run()).toThrow(/append-only/);
    expect((sqlite.prepare('select count(*) as n from audit_log').get() as { n: number }).n).toBe(before);
    expect((sqlite.prepare("select count(*) as n from audit_log where action = 'forged'").get() as { n: number }).n).toBe(0);
  });

  it('has no code path that updates or deletes audit rows (a scan of server/, app/ and db/)', () => {
    const offenders: string[] = [];
    const patterns = [
      /\.(update|delete)\(\s*auditLog\b/, // drizzle
      /\b(update|delete\s+from)\s+[`"']?audit_log\b/i, // raw SQL
      /\b(drop|alter)\s+table\s+[`"']?audit_log\b/i,
      /drop\s+trigger[^;]*audit_log_no_/i,
    ];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          if (name !== 'node_modules' && name !== 'migrations') walk(path);
        } else if (/\.(ts|tsx)$/.test(name) && !/\.test\.ts$/.test(name)) {
          const text = readFileSync(path, 'utf8');
          for (const pattern of patterns) if (pattern.test(text)) offenders.push(`${relative(ROOT, path)}: ${pattern}`);
        }
      }
    };
    for (const dir of ['server', 'app', 'db']) walk(join(ROOT, dir));
    expect(offenders).toEqual([]);
  });
});
