// Secrets in the audit log: setting, changing and deleting one is recorded with
// its name and environment, never its value (issue #7: "names only").
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, secrets } from '../../db/schema';
import { teamOfFour } from '../teams/test-support';
import { startTestServer, type TestServer } from '../test-utils';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('secrets in the audit log', () => {
  it('records set, update and delete with the name only, never the value', async () => {
    const { teamId, owner, developer } = await teamOfFour(server);
    const created = await owner.api('POST', '/api/projects', { name: 'secretive', teamId });
    expect(created.status).toBe(201);
    const projectId = created.body.project.id as string;
    const staging = (await owner.api('POST', `/api/projects/${projectId}/environments`, { name: 'staging' })).body.environment.id as string;
    // Distinctive values, so any trace of them anywhere is found.
    const first = `first-${randomBytes(12).toString('hex')}`;
    const second = `second-${randomBytes(12).toString('hex')}`;

    expect((await developer.api('PUT', `/api/environments/${staging}/secrets/DATABASE_URL`, { value: first })).status).toBe(201);
    expect((await developer.api('PUT', `/api/environments/${staging}/secrets/DATABASE_URL`, { value: second })).status).toBe(200);
    expect((await developer.api('DELETE', `/api/environments/${staging}/secrets/DATABASE_URL`)).status).toBe(204);

    const res = await owner.api('GET', `/api/audit?projectId=${projectId}&action=secret.*`);
    expect(res.status).toBe(200);
    const entries = res.body.entries as { action: string; actorId: string; targetType: string; targetId: string; details: Record<string, unknown> }[];
    expect(entries.map((e) => e.action)).toEqual(['secret.delete', 'secret.update', 'secret.create']);
    for (const entry of entries) {
      expect(entry).toMatchObject({ actorId: developer.id, targetType: 'secret', targetId: `${staging}/DATABASE_URL` });
      expect(entry.details).toEqual({ environmentId: staging, name: 'DATABASE_URL' });
    }

    // Nowhere in the whole log, nor in clear in the secrets table while it existed.
    const log = JSON.stringify(server.containr.services.db.select().from(auditLog).all());
    for (const value of [first, second]) expect(log).not.toContain(value);
    expect(JSON.stringify(server.containr.services.db.select().from(secrets).all())).not.toContain(second.slice(7));
  });
});
