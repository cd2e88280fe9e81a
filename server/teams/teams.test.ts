import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../db/schema';
import { addService, initDoc, type NodeInit } from '../../sync';
import { startTestServer, type TestServer } from '../test-utils';
import { join, signUpAs, teamOfFour, uniqueEmail, type Person } from './test-support';

let server: TestServer;
/** The first account on the instance: its admin (no CONTAINR_ADMIN_EMAILS here). */
let instanceAdmin: Person;
beforeAll(async () => {
  server = await startTestServer({ env: { CONTAINR_QUOTA_MAX_PROJECTS: '3' } });
  instanceAdmin = await signUpAs(server, undefined, 'Ian Instance');
});
afterAll(() => server.close());

const ROLES: Role[] = ['owner', 'admin', 'developer', 'viewer'];

async function securityEvents(api: (m: string, p: string) => Promise<{ body: { entries: { details: Record<string, unknown> }[] } }>, teamId: string) {
  return (await api('GET', `/api/audit?teamId=${teamId}&action=security.denied`)).body.entries.map((e) => e.details);
}

describe('teams', () => {
  it('creates a team with the creator as owner, renames it, lists it and deletes it', async () => {
    const owner = await signUpAs(server);
    const created = await owner.api('POST', '/api/teams', { name: 'Platform' });
    expect(created.status).toBe(201);
    expect(created.body.team).toMatchObject({ name: 'Platform', personal: false, role: 'owner' });
    const id = created.body.team.id;
    expect((await owner.api('PATCH', `/api/teams/${id}`, { name: 'Platform team' })).body.team.name).toBe('Platform team');
    const teams = (await owner.api('GET', '/api/teams')).body.teams;
    expect(teams.map((t: { name: string }) => t.name)).toContain('Platform team');
    expect((await owner.api('GET', `/api/teams/${id}`)).body).toMatchObject({ team: { id, role: 'owner' }, quota: { maxProjects: 3 } });

    expect((await owner.api('DELETE', `/api/teams/${id}`)).status).toBe(204);
    expect((await owner.api('GET', `/api/teams/${id}`)).status).toBe(404);
  });

  it('refuses to delete a personal team, and hides teams from non-members', async () => {
    const owner = await signUpAs(server);
    const personal = (await owner.api('GET', '/api/teams')).body.teams[0];
    expect(personal.personal).toBe(true);
    expect((await owner.api('DELETE', `/api/teams/${personal.id}`)).status).toBe(409);
    const stranger = await signUpAs(server);
    expect((await stranger.api('GET', `/api/teams/${personal.id}/members`)).status).toBe(404);
    expect((await stranger.api('DELETE', `/api/teams/${personal.id}`)).status).toBe(404);
  });

  it('validates bodies: empty names, unknown roles', async () => {
    const owner = await signUpAs(server);
    expect((await owner.api('POST', '/api/teams', { name: '' })).status).toBe(422);
    expect((await owner.api('POST', '/api/teams', { name: 'x'.repeat(65) })).status).toBe(422);
    const team = (await owner.api('POST', '/api/teams', { name: 'Roles' })).body.team;
    expect((await owner.api('POST', `/api/teams/${team.id}/invites`, { email: uniqueEmail(), role: 'superuser' })).status).toBe(422);
    expect((await owner.api('POST', `/api/teams/${team.id}/invites`, { email: 'not an email', role: 'viewer' })).status).toBe(422);
  });
});

describe('the role matrix for member operations', () => {
  let team: Awaited<ReturnType<typeof teamOfFour>>;
  beforeAll(async () => {
    team = await teamOfFour(server);
  });

  it('lets every role read the members, with their roles', async () => {
    for (const role of ROLES) {
      const res = await team.byRole[role].api('GET', `/api/teams/${team.teamId}/members`);
      expect(res.status).toBe(200);
      expect(res.body.members.map((m: { role: Role }) => m.role).sort()).toEqual(['admin', 'developer', 'owner', 'viewer']);
    }
  });

  it('lets owners and admins invite, change roles and remove members; developers and viewers get 403', async () => {
    const expected: Record<Role, number[]> = {
      owner: [201, 200, 204],
      admin: [201, 200, 204],
      developer: [403, 403, 403],
      viewer: [403, 403, 403],
    };
    for (const role of ROLES) {
      const actor = team.byRole[role];
      const invite = await actor.api('POST', `/api/teams/${team.teamId}/invites`, { email: uniqueEmail(), role: 'developer' });
      const target = await join(server, team.owner, team.teamId, 'developer');
      const change = await actor.api('PATCH', `/api/teams/${team.teamId}/members/${target.id}`, { role: 'viewer' });
      const remove = await actor.api('DELETE', `/api/teams/${team.teamId}/members/${target.id}`);
      expect([invite.status, change.status, remove.status], `as ${role}`).toEqual(expected[role]);
      if (change.status === 200) expect(change.body.member).toMatchObject({ userId: target.id, role: 'viewer' });
    }
  });

  it('lets only the owner transfer the team; the previous owner becomes an admin', async () => {
    const { teamId, owner, admin, developer, viewer } = await teamOfFour(server);
    for (const actor of [admin, developer, viewer]) {
      expect((await actor.api('POST', `/api/teams/${teamId}/transfer`, { userId: actor.id })).status).toBe(403);
    }
    expect((await owner.api('POST', `/api/teams/${teamId}/transfer`, { userId: developer.id })).status).toBe(204);
    const roles = Object.fromEntries(
      (await owner.api('GET', `/api/teams/${teamId}/members`)).body.members.map((m: { userId: string; role: Role }) => [m.userId, m.role]),
    );
    expect(roles[developer.id]).toBe('owner');
    expect(roles[owner.id]).toBe('admin');
  });

  it('lets only an owner delete the team', async () => {
    const { teamId, owner, admin, developer, viewer } = await teamOfFour(server);
    for (const actor of [admin, developer, viewer]) expect((await actor.api('DELETE', `/api/teams/${teamId}`)).status).toBe(403);
    expect((await owner.api('DELETE', `/api/teams/${teamId}`)).status).toBe(204);
    expect((await admin.api('GET', `/api/teams/${teamId}/members`)).status).toBe(404);
  });

  it('lets any member leave; a developer cannot remove anyone else', async () => {
    const { teamId, developer, viewer } = await teamOfFour(server);
    expect((await developer.api('DELETE', `/api/teams/${teamId}/members/${viewer.id}`)).status).toBe(403);
    expect((await viewer.api('DELETE', `/api/teams/${teamId}/members/${viewer.id}`)).status).toBe(204);
    expect((await viewer.api('GET', `/api/teams/${teamId}/members`)).status).toBe(404);
  });
});

describe('forged role changes', () => {
  it('refuses a developer promoting itself, with 403 and a security event', async () => {
    const { teamId, owner, developer } = await teamOfFour(server);
    const res = await developer.api('PATCH', `/api/teams/${teamId}/members/${developer.id}`, { role: 'admin' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    const roles = (await owner.api('GET', `/api/teams/${teamId}/members`)).body.members;
    expect(roles.find((m: { userId: string }) => m.userId === developer.id).role).toBe('developer');
    expect(await securityEvents(owner.api, teamId)).toContainEqual(
      expect.objectContaining({ operation: 'member.role_change', userId: developer.id, to: 'admin', code: 'FORBIDDEN' }),
    );
  });

  it('refuses an admin changing an owner, promoting to owner, inviting an owner or removing an owner', async () => {
    const { teamId, owner, admin, developer } = await teamOfFour(server);
    const attempts = [
      await admin.api('PATCH', `/api/teams/${teamId}/members/${owner.id}`, { role: 'developer' }),
      await admin.api('PATCH', `/api/teams/${teamId}/members/${admin.id}`, { role: 'owner' }),
      await admin.api('PATCH', `/api/teams/${teamId}/members/${developer.id}`, { role: 'owner' }),
      await admin.api('POST', `/api/teams/${teamId}/invites`, { email: uniqueEmail(), role: 'owner' }),
      await admin.api('DELETE', `/api/teams/${teamId}/members/${owner.id}`),
    ];
    expect(attempts.map((a) => a.status)).toEqual([403, 403, 403, 403, 403]);
    const members = (await owner.api('GET', `/api/teams/${teamId}/members`)).body.members as { role: Role }[];
    expect(members.filter((m) => m.role === 'owner')).toHaveLength(1);
    const events = await securityEvents(owner.api, teamId);
    expect(events.map((e) => e.operation).sort()).toEqual(
      ['invite.create', 'member.remove', 'member.role_change', 'member.role_change', 'member.role_change'].sort(),
    );
  });

  it('refuses demoting or removing the last owner with 409; works once there is another owner', async () => {
    const { teamId, owner, admin } = await teamOfFour(server);
    const demote = await owner.api('PATCH', `/api/teams/${teamId}/members/${owner.id}`, { role: 'admin' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toMatch(/at least one owner/);
    expect((await owner.api('DELETE', `/api/teams/${teamId}/members/${owner.id}`)).status).toBe(409);
    expect((await securityEvents(owner.api, teamId)).filter((e) => e.code === 'CONFLICT')).toHaveLength(2);

    expect((await owner.api('PATCH', `/api/teams/${teamId}/members/${admin.id}`, { role: 'owner' })).status).toBe(200);
    expect((await owner.api('PATCH', `/api/teams/${teamId}/members/${owner.id}`, { role: 'developer' })).status).toBe(200);
    // The new sole owner is now the last one.
    expect((await admin.api('DELETE', `/api/teams/${teamId}/members/${admin.id}`)).status).toBe(409);
  });

  it('records role changes and removals in the audit log', async () => {
    const { teamId, owner, developer, viewer } = await teamOfFour(server);
    await owner.api('PATCH', `/api/teams/${teamId}/members/${developer.id}`, { role: 'viewer' });
    await owner.api('DELETE', `/api/teams/${teamId}/members/${viewer.id}`);
    const entries = (await owner.api('GET', `/api/audit?teamId=${teamId}&action=member.*`)).body.entries;
    const actions = entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['member.role_change', 'member.remove', 'member.join']));
    expect(entries.find((e: { action: string }) => e.action === 'member.role_change').details).toEqual({ from: 'developer', to: 'viewer' });
  });
});

describe('what each role may do with projects', () => {
  it('lets a viewer read projects but not create, change or delete them; a developer cannot delete', async () => {
    const { teamId, owner, developer, viewer } = await teamOfFour(server);
    const project = (await owner.api('POST', '/api/projects', { name: 'shop', teamId })).body.project;
    expect((await viewer.api('GET', `/api/projects/${project.id}`)).body.role).toBe('viewer');
    expect((await viewer.api('GET', `/api/projects?teamId=${teamId}`)).body.projects).toHaveLength(1);
    expect((await viewer.api('POST', '/api/projects', { name: 'mine', teamId })).status).toBe(403);
    expect((await viewer.api('PATCH', `/api/projects/${project.id}`, { description: 'x' })).status).toBe(403);
    expect((await viewer.api('POST', `/api/projects/${project.id}/environments`, { name: 'staging' })).status).toBe(403);
    expect((await viewer.api('DELETE', `/api/projects/${project.id}`)).status).toBe(403);
    expect((await developer.api('DELETE', `/api/projects/${project.id}`)).status).toBe(403);
    expect((await developer.api('PATCH', `/api/projects/${project.id}`, { description: 'x' })).status).toBe(200);
  });
});

describe('project-level access', () => {
  it('restricts a project to listed members plus owners and admins', async () => {
    const { teamId, owner, admin, developer, viewer } = await teamOfFour(server);
    const project = (await owner.api('POST', '/api/projects', { name: 'secret-sauce', teamId })).body.project;
    const open = (await owner.api('POST', '/api/projects', { name: 'open', teamId })).body.project;

    expect((await developer.api('PUT', `/api/projects/${project.id}/members`, { userIds: [developer.id] })).status).toBe(403);
    const set = await admin.api('PUT', `/api/projects/${project.id}/members`, { userIds: [developer.id] });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ restricted: true, members: [{ userId: developer.id }] });

    expect((await viewer.api('GET', `/api/projects/${project.id}`)).status).toBe(404);
    expect((await viewer.api('GET', `/api/projects?teamId=${teamId}`)).body.projects.map((p: { id: string }) => p.id)).toEqual([open.id]);
    const viewerAudit = (await viewer.api('GET', `/api/audit?teamId=${teamId}`)).body.entries;
    expect(viewerAudit.some((e: { projectId: string | null }) => e.projectId === project.id)).toBe(false);
    expect(viewerAudit.some((e: { projectId: string | null }) => e.projectId === open.id)).toBe(true);

    expect((await developer.api('GET', `/api/projects/${project.id}`)).status).toBe(200);
    expect((await admin.api('GET', `/api/projects/${project.id}`)).status).toBe(200);
    expect((await owner.api('GET', `/api/projects/${project.id}`)).status).toBe(200);

    const stranger = await signUpAs(server);
    expect((await owner.api('PUT', `/api/projects/${project.id}/members`, { userIds: [stranger.id] })).status).toBe(422);

    expect((await owner.api('PUT', `/api/projects/${project.id}/members`, { userIds: [] })).body.restricted).toBe(false);
    expect((await viewer.api('GET', `/api/projects/${project.id}`)).status).toBe(200);
  });
});

describe('quotas', () => {
  it('refuses a project past the team quota with 422 naming it, until the instance admin raises it', async () => {
    const owner = await signUpAs(server);
    const teamId = (await owner.api('POST', '/api/teams', { name: 'Quota' })).body.team.id;
    for (const name of ['a', 'b', 'c']) expect((await owner.api('POST', '/api/projects', { name, teamId })).status).toBe(201);
    const refused = await owner.api('POST', '/api/projects', { name: 'd', teamId });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toMatch(/quota of 3 projects \(max projects\)/);
    expect(refused.body.error.issues).toEqual([expect.objectContaining({ path: 'quota.maxProjects' })]);
    expect((await owner.api('GET', `/api/teams/${teamId}/quota`)).body).toMatchObject({ quota: { maxProjects: 3 }, usage: { projects: 3 } });

    // Quotas are the instance's to set, not the team owner's.
    expect((await owner.api('PUT', `/api/teams/${teamId}/quota`, { maxProjects: 10 })).status).toBe(404);
    expect((await instanceAdmin.api('PUT', `/api/teams/${teamId}/quota`, { maxProjects: -1 })).status).toBe(422);
    const raised = await instanceAdmin.api('PUT', `/api/teams/${teamId}/quota`, { maxProjects: 4 });
    expect(raised.status).toBe(200);
    expect(raised.body.quota).toMatchObject({ maxProjects: 4, maxServices: 200 });
    expect((await owner.api('POST', '/api/projects', { name: 'd', teamId })).status).toBe(201);
    expect((await owner.api('POST', '/api/projects', { name: 'e', teamId })).status).toBe(422);
    // null returns a quota to the instance default.
    expect((await instanceAdmin.api('PUT', `/api/teams/${teamId}/quota`, { maxProjects: null })).body.quota.maxProjects).toBe(3);
  });

  it('checks a commit against services, CPU × replicas and memory × replicas', () => {
    const { quotas } = server.containr.services;
    const spec = (n: number, cpu: number, memoryMb: number, replicas = 1) => ({
      services: Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          `s${i}`,
          { kind: 'service' as const, name: `s${i}`, ports: [], variables: {}, secretNames: [], replicas, volumes: [], resources: { cpu, memoryMb } },
        ]),
      ),
      edges: [],
    });
    const teamId = 'no-such-team-uses-defaults';
    expect(quotas.checkCommit(teamId, spec(2, 1, 512))).toEqual([]);
    const issues = quotas.checkCommit(teamId, spec(2, 10, 20_000, 2), [spec(1, 1, 30_000)]);
    expect(issues.map((i) => i.path)).toEqual(['quota.maxCpu', 'quota.maxMemoryMb']);
    expect(issues[0].message).toMatch(/41 CPUs of its quota of 32 \(max CPU\)/);
    expect(quotas.checkCommit(teamId, spec(201, 0, 0)).map((i) => i.path)).toEqual(['quota.maxServices']);
  });

  it('reports usage as the latest commit of every environment asks for (replicas counted, volumes not)', async () => {
    const owner = await signUpAs(server);
    const teamId = (await owner.api('POST', '/api/teams', { name: 'Usage' })).body.team.id as string;
    const created = await owner.api('POST', '/api/projects', { name: 'Metered', teamId });
    const production = created.body.environments[0].id as string;
    const staging = (await owner.api('POST', `/api/projects/${created.body.project.id}/environments`, { name: 'staging' })).body.environment.id as string;
    const write = (environmentId: string, services: NodeInit[]) =>
      server.containr.sync.documents.withDocument(environmentId, (doc) => {
        initDoc(doc, { environmentName: 'x' });
        for (const service of services) addService(doc, service);
      });
    const web = (name: string, cpu: number, memoryMb: number, replicas = 1) =>
      ({ kind: 'service', name, source: { type: 'image', image: 'containr/busybox' }, replicas, resources: { cpu, memoryMb } }) as NodeInit;
    const commit = async (environmentId: string) =>
      expect((await owner.api('POST', `/api/environments/${environmentId}/commits`, { deploy: false })).status).toBe(201);

    expect((await owner.api('GET', `/api/teams/${teamId}/quota`)).body.usage).toEqual({ projects: 1, services: 0, cpu: 0, memoryMb: 0 });
    await write(production, [web('web', 0.5, 256, 2)]);
    await commit(production);
    // Only the latest commit of an environment counts: the second holds web and api (both commits would make 4 services).
    await write(production, [web('api', 0.25, 128), { kind: 'volume', name: 'data' } as NodeInit]);
    await commit(production);
    await write(staging, [web('web', 0.1, 64)]);
    await commit(staging);
    // Uncommitted edits do not count.
    await write(staging, [web('worker', 4, 4096)]);
    expect((await owner.api('GET', `/api/teams/${teamId}/quota`)).body.usage).toEqual({ projects: 1, services: 3, cpu: 1.35, memoryMb: 704 });
  });
});
