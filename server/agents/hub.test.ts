// The /agent protocol end to end: a real server, real agents over socket.io,
// a real Docker engine. Time is the server's injectable clock, never a sleep.
import Docker from 'dockerode';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connectRaw, type Socket as RawSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '../../agent/agent';
import { BUSYBOX, removeTestObjects, requireEngine, testRun } from '../../agent/testing';
import { nodes as nodesTable } from '../../db/schema';
import { LABELS, type Task, type Welcome } from '../../sync/events';
import { client, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';
import type { AgentHub, NodeInfo } from './types';

const docker = new Docker();
const run = testRun('hub');
let offset = 0;
const clock = { now: () => Date.now() + offset };

let server: TestServer;
let hub: AgentHub;
let admin: Session; // the first account: the instance admin
let owner: Session;
const agents: Agent[] = [];
const dirs: string[] = [];
const raws: RawSocket[] = [];

beforeAll(async () => {
  await requireEngine(docker);
  server = await startTestServer({ clock });
  hub = server.containr.agents;
  admin = await signUp(server.url, 'Instance Admin');
  owner = await signUp(server.url, 'Team Owner');
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
  raws.forEach((s) => s.disconnect());
  await server?.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  await removeTestObjects(docker, run.id);
});

function stateDir() {
  const dir = mkdtempSync(join(tmpdir(), 'containr-agent-'));
  dirs.push(dir);
  return dir;
}

/** A join token for the session's team, or (`shared`) for a shared node. */
async function joinToken(session: Session, scope: 'team' | 'shared' = 'team') {
  const res = await client(server.url, session)(
    'POST',
    '/api/nodes/join-tokens',
    scope === 'team' ? { teamId: session.teamId } : {}
  );
  expect(res.status).toBe(201);
  return res.body as { id: string; token: string; command: string; expiresAt: string; teamId: string | null };
}

function agent(token: string, dir: string | null = stateDir(), name = 'test-node') {
  const refusal: { reason?: string } = {};
  const a = startAgent({
    server: server.url,
    token,
    name,
    stateDir: dir,
    docker,
    backoff: { initialMs: 50, maxMs: 500 },
    onFatal: (reason) => (refusal.reason = reason),
  });
  agents.push(a);
  return Object.assign(a, { refusal, dir });
}

async function ready(a: Agent): Promise<NodeInfo> {
  return waitFor(
    () => {
      const node = a.ready && a.nodeId ? hub.node(a.nodeId) : undefined;
      return node?.status === 'ready' ? node : undefined;
    },
    10_000,
    'node ready'
  );
}

/** A bare socket.io client, for what a well-behaved agent never sends. */
function raw(token: string): RawSocket {
  const socket = connectRaw(`${server.url}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
  raws.push(socket);
  return socket;
}

function refusalOf(token: string): Promise<string> {
  const socket = raw(token);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected')));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

function welcomed(socket: RawSocket): Promise<Welcome> {
  return new Promise((resolve) => socket.once('welcome', resolve));
}

let taskCount = 0;
const task = (spec: Task['spec']): Task => ({ id: `t${++taskCount}-${run.id}`, spec });

describe('joining', () => {
  it('joins with a join token, becomes ready, and keeps its node id across restarts', async () => {
    const created = await joinToken(owner);
    expect(created.command).toBe(`npm run agent -- --server ${server.url} --token ${created.token}`);
    expect(created.token).toMatch(/^cjoin_/);
    expect(Date.parse(created.expiresAt)).toBeGreaterThan(Date.now());

    const first = agent(created.token, stateDir(), 'builder-1');
    const node = await ready(first);
    expect(node).toMatchObject({ name: 'builder-1', teamId: owner.teamId, connected: true });
    expect(node.cpus).toBeGreaterThan(0);
    expect(node.memoryBytes).toBeGreaterThan(0);

    // The node token replaced the join token on disk.
    const state = JSON.parse(readFileSync(join(first.dir as string, 'node.json'), 'utf8'));
    expect(state).toMatchObject({ server: server.url, nodeId: first.nodeId, token: expect.stringMatching(/^cnode_/) });

    const listed = await client(server.url, owner)('GET', '/api/nodes');
    expect(listed.status).toBe(200);
    expect(listed.body.nodes).toContainEqual(
      expect.objectContaining({ id: first.nodeId, status: 'ready', shared: false, engineVersion: expect.any(String) })
    );
    const entry = listed.body.nodes.find((n: { id: string }) => n.id === first.nodeId);
    expect(Date.parse(entry.lastHeartbeatAt)).toBeGreaterThan(0);
    // Another team sees nothing of it.
    const stranger = await signUp(server.url, 'Stranger');
    const theirs = await client(server.url, stranger)('GET', '/api/nodes');
    expect(theirs.body.nodes.map((n: { id: string }) => n.id)).not.toContain(first.nodeId);

    // The same command again (its join token is spent) reuses the stored identity.
    const id = first.nodeId;
    await first.close();
    const second = agent(created.token, first.dir, 'builder-1');
    await ready(second);
    expect(second.nodeId).toBe(id);
    expect(second.refusal.reason).toBeUndefined();

    const audit = await client(server.url, owner)('GET', '/api/audit?action=node.join');
    expect(audit.body.entries).toContainEqual(expect.objectContaining({ action: 'node.join', targetId: id }));
    await second.close();
  });

  it('refuses a used, a revoked and an unknown token with a reason from the fixed list', async () => {
    const used = await joinToken(owner);
    const joined = agent(used.token);
    await ready(joined);
    await joined.close();

    // A fresh agent (no stored identity) with the spent token stops for good.
    const late = agent(used.token);
    await waitFor(() => late.refusal.reason, 5_000, 'refusal');
    expect(late.refusal.reason).toBe('TOKEN_USED');
    expect(await refusalOf(used.token)).toBe('TOKEN_USED');

    const revoked = await joinToken(owner);
    expect((await client(server.url, owner)('DELETE', `/api/join-tokens/${revoked.id}`)).status).toBe(204);
    expect(await refusalOf(revoked.token)).toBe('TOKEN_REVOKED');
    // A spent token cannot be revoked; a stranger cannot see the token at all.
    expect((await client(server.url, owner)('DELETE', `/api/join-tokens/${used.id}`)).status).toBe(409);
    const stranger = await signUp(server.url, 'Stranger 2');
    expect((await client(server.url, stranger)('DELETE', `/api/join-tokens/${revoked.id}`)).status).toBe(404);

    expect(await refusalOf('cjoin_not-a-real-token-at-all')).toBe('NOT_AUTHENTICATED');
    expect(await refusalOf('cnode_not-a-real-token-at-all')).toBe('NOT_AUTHENTICATED');
    expect(await refusalOf('')).toBe('NOT_AUTHENTICATED');

    const audit = await client(server.url, owner)('GET', '/api/audit?action=node.join-token.revoke');
    expect(audit.body.entries).toContainEqual(expect.objectContaining({ targetId: revoked.id }));
  });

  it('lets only team admins add team nodes and only the instance admin add shared ones', async () => {
    const stranger = await signUp(server.url, 'Stranger 3');
    const api = client(server.url, stranger);
    expect((await api('POST', '/api/nodes/join-tokens', { teamId: owner.teamId })).status).toBe(404);
    const shared = await api('POST', '/api/nodes/join-tokens', {});
    expect(shared.status).toBe(403);
    expect(shared.body.error.code).toBe('FORBIDDEN');
    expect((await api('POST', '/api/nodes/join-tokens', { teamId: 42 })).status).toBe(422);

    const adminToken = await joinToken(admin, 'shared');
    expect(adminToken.teamId).toBeNull();
    const sharedAgent = agent(adminToken.token);
    const node = await ready(sharedAgent);
    expect(node.teamId).toBeNull();
    // Everyone sees a shared node, but not what runs on it.
    const seen = await api('GET', '/api/nodes');
    expect(seen.body.nodes).toContainEqual(expect.objectContaining({ id: node.id, shared: true, containers: null }));
    await sharedAgent.close();

    const tokens = await client(server.url, owner)('GET', '/api/nodes/join-tokens');
    expect(tokens.status).toBe(200);
    expect(tokens.body.joinTokens.length).toBeGreaterThan(0);
    expect(JSON.stringify(tokens.body)).not.toMatch(/tokenHash|cjoin_/);
  });

  it('refuses an expired join token', async () => {
    const expiring = await joinToken(owner);
    offset += 61 * 60 * 1000;
    try {
      expect(await refusalOf(expiring.token)).toBe('TOKEN_EXPIRED');
    } finally {
      offset -= 61 * 60 * 1000;
    }
  });
});

describe('heartbeats', () => {
  it('marks a silent node lost after 10 s of clock time and ready again when it returns', async () => {
    const created = await joinToken(owner);
    const first = agent(created.token);
    const { id } = await ready(first);
    const events: string[] = [];
    const offs = [
      hub.on('node-lost', (n) => n === id && events.push('lost')),
      hub.on('node-ready', (n) => n === id && events.push('ready')),
    ];

    // Disconnected but within the grace period: still ready, and a task waits for it.
    await first.close();
    await waitFor(() => !hub.node(id)?.connected, 5_000, 'disconnect');
    expect(hub.node(id)?.status).toBe('ready');
    const waiting = hub.dispatch(id, task({ kind: 'ensure-network', network: run.name('grace'), labels: run.labels }));
    const back = agent(created.token, first.dir);
    expect(await waiting).toMatchObject({ ok: true });
    await ready(back);
    await back.close();

    // Silent for more than 10 s of (injected) time: lost, and a task in flight fails so the reconciler can reschedule.
    await waitFor(() => !hub.node(id)?.connected, 5_000, 'disconnect');
    const inFlight = hub.dispatch(id, task({ kind: 'remove', name: run.name('nothing') }));
    offset += 11_000;
    expect(await inFlight).toMatchObject({ ok: false, reason: 'NODE_LOST' });
    expect(hub.node(id)?.status).toBe('lost');
    expect(events).toEqual(['lost']);
    const row = server.containr.services.db
      .select()
      .from(nodesTable)
      .all()
      .find((n) => n.id === id);
    expect(row?.status).toBe('lost');
    expect(await hub.dispatch(id, task({ kind: 'remove', name: run.name('nothing') }))).toMatchObject({
      ok: false,
      reason: 'NODE_LOST',
    });
    const listed = await client(server.url, owner)('GET', '/api/nodes');
    expect(listed.body.nodes).toContainEqual(expect.objectContaining({ id, status: 'lost', connected: false }));

    const again = agent(created.token, first.dir);
    await ready(again);
    expect(events).toEqual(['lost', 'ready']);
    offs.forEach((off) => off());
  });

  it('counts every valid message as a sign of life, so a node sending stats or task progress needs no heartbeats', async () => {
    const { nodeId, token } = hub.registerNode({ name: 'busy', teamId: owner.teamId });
    const socket = raw(token);
    await welcomed(socket);
    const hello = { nodeId, name: 'busy', engineVersion: 'x', cpus: 1, memoryBytes: 1024, agentVersion: 'test' };
    expect(await socket.emitWithAck('hello', hello)).toEqual({ ok: true });
    try {
      for (let i = 0; i < 3; i++) {
        offset += 6_000; // 18 s in all without a heartbeat, where 10 s of silence is lost
        const sentAt = clock.now();
        if (i === 1) {
          // Progress of a long build is all a busy agent may send; an invalid message after it (which is no
          // sign of life) answers once the progress has been handled.
          socket.emit('task:progress', { id: 'a-long-build', message: 'step 3/9', ts: Date.now() });
          expect(await socket.emitWithAck('stats', { samples: 'none' })).toEqual({ ok: false, reason: 'INVALID_MESSAGE' });
        } else expect(await socket.emitWithAck('stats', { samples: [] })).toEqual({ ok: true });
        expect(hub.node(nodeId)).toMatchObject({ status: 'ready', lastHeartbeatAt: expect.any(Number) });
        expect(hub.node(nodeId)!.lastHeartbeatAt).toBeGreaterThanOrEqual(sentAt);
      }
      offset += 11_000; // and silence is still noticed
      await waitFor(() => hub.node(nodeId)?.status === 'lost', 5_000, 'lost after silence');
    } finally {
      offset = 0;
      socket.disconnect();
    }
  });

  it('reconnects by itself after the network drops, greets again and resends its inventory', async () => {
    const a = agent((await joinToken(owner)).token);
    const { id } = await ready(a);
    let inventories = 0;
    const off = hub.on('inventory', (n) => n === id && inventories++);
    const socket = [...server.containr.io.of('/agent').sockets.values()].find(
      (s) => (s.data as { nodeId: string }).nodeId === id
    );
    socket?.conn.close(); // the transport dies, as with a network failure
    await waitFor(() => !a.ready, 5_000, 'the agent to notice');
    await ready(a);
    expect(hub.node(id)?.connected).toBe(true);
    await waitFor(() => inventories > 0, 5_000, 'inventory after reconnect');
    off();
  });
});

describe('tasks', () => {
  let nodeId: string;
  const network = run.name('net');
  const web = run.name('web');

  beforeAll(async () => {
    const a = agent((await joinToken(owner)).token, stateDir(), 'worker');
    nodeId = (await ready(a)).id;
  });

  it('runs a healthy service and shows it in the inventory with its labels', async () => {
    expect(await hub.dispatch(nodeId, task({ kind: 'ensure-network', network, labels: run.labels }))).toMatchObject({ ok: true });

    const progress: string[] = [];
    const t = task({ kind: 'run', container: run.web(web, network), waitHealthyS: 30 });
    const result = await hub.dispatch(nodeId, t, (m) => progress.push(m));
    expect(result).toMatchObject({ ok: true, containerId: expect.any(String) });
    expect(progress).toContain(`container ${web} is healthy`);

    const observed = await waitFor(
      () => hub.node(nodeId)?.containers.find((c) => c.name === web && c.health === 'healthy'),
      10_000,
      'the container in the inventory'
    );
    expect(observed.labels).toMatchObject({
      ...run.labels,
      [LABELS.managed]: 'true',
      [LABELS.node]: nodeId,
      [LABELS.service]: 'web',
      [LABELS.specHash]: expect.any(String),
    });
    expect(observed).toMatchObject({ state: 'running', image: BUSYBOX });
    const port = observed.ports.find((p) => p.containerPort === 8080);
    expect(port?.hostIp).toBe('127.0.0.1');
    expect(await (await fetch(`http://127.0.0.1:${port?.hostPort}/`)).text()).toBe('hello\n');

    // The same task id again: the remembered result, no second container.
    const again = await hub.dispatch(nodeId, t);
    expect(again).toEqual(result);
    const named = await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${nodeId}`] } });
    expect(named.filter((c) => c.Names.includes(`/${web}`))).toHaveLength(1);
  });

  it('fails clearly when the image is not there and no registry answers', async () => {
    const result = await hub.dispatch(
      nodeId,
      task({
        kind: 'run',
        container: run.web(run.name('ghost'), network, { image: 'containr/no-such-image:0' }),
        waitHealthyS: 5,
      })
    );
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^image containr\/no-such-image:0 not found locally and no registry reachable/),
    });
  });

  it('never lists or removes a container without the managed label', async () => {
    const name = run.name('bystander');
    const bystander = await docker.createContainer({
      name,
      Image: BUSYBOX,
      Cmd: ['sleep', '300'],
      Labels: { ...run.labels, [LABELS.node]: nodeId, [LABELS.service]: 'web' },
    });
    await bystander.start();

    expect(await hub.dispatch(nodeId, task({ kind: 'remove', name }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not managed by Containr/),
    });
    expect(await hub.dispatch(nodeId, task({ kind: 'stop', name, timeoutS: 0 }))).toMatchObject({ ok: false });
    expect((await bystander.inspect()).State.Running).toBe(true);

    // After a change the agent reports (a managed container stops), the inventory still lacks it.
    let inventories = 0;
    const off = hub.on('inventory', (n) => n === nodeId && inventories++);
    expect(await hub.dispatch(nodeId, task({ kind: 'stop', name: web, timeoutS: 1 }))).toMatchObject({ ok: true });
    await waitFor(
      () => hub.node(nodeId)?.containers.find((c) => c.name === web)?.state === 'exited',
      10_000,
      'stopped in inventory'
    );
    off();
    expect(inventories).toBeGreaterThan(0);
    expect(hub.node(nodeId)?.containers.map((c) => c.name)).not.toContain(name);

    expect(await hub.dispatch(nodeId, task({ kind: 'remove', name: web }))).toMatchObject({ ok: true });
    await waitFor(() => !hub.node(nodeId)?.containers.some((c) => c.name === web), 10_000, 'removed from inventory');
    expect(await hub.dispatch(nodeId, task({ kind: 'remove-network', network }))).toMatchObject({ ok: true });
  });

  it('answers an unknown node at once', async () => {
    expect(await hub.dispatch('no-such-node', task({ kind: 'remove', name: 'x' }))).toMatchObject({
      ok: false,
      reason: 'NODE_UNKNOWN',
    });
    await expect(hub.dispatch(nodeId, { id: '', spec: { kind: 'remove', name: 'x' } })).rejects.toThrow(/invalid task/);
  });
});

describe('misbehaving agents', () => {
  it('ignores malformed messages, counts them, cuts a persistent offender and keeps serving', async () => {
    const { nodeId, token } = hub.registerNode({ name: 'raw', teamId: owner.teamId });
    const socket = raw(token);
    expect((await welcomed(socket)).nodeId).toBe(nodeId);
    const before = hub.counters().malformedMessages;

    expect(await socket.emitWithAck('hello', { nodeId, name: 42 })).toEqual({ ok: false, reason: 'INVALID_MESSAGE' });
    expect(await socket.emitWithAck('hello', 'not even an object')).toEqual({ ok: false, reason: 'INVALID_MESSAGE' });
    socket.emit('heartbeat', { ts: 'soon' });
    socket.emit('inventory', { containers: [{ id: 1 }] });
    socket.emit('task:result', { id: 'x', ok: 'maybe' });
    socket.emit('task:progress', null);
    socket.emit('take-over', { everything: true });
    await waitFor(() => hub.counters().malformedMessages - before === 7, 5_000, 'malformed count');
    expect(hub.node(nodeId)?.status).toBe('lost');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    // The same socket can still greet properly.
    const hello = { nodeId, name: 'raw', engineVersion: 'x', cpus: 1, memoryBytes: 1024, agentVersion: 'test' };
    expect(await socket.emitWithAck('hello', hello)).toEqual({ ok: true });
    expect(hub.node(nodeId)?.status).toBe('ready');

    const cut = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    for (let i = 0; i < 20; i++) socket.emit('inventory', 'garbage');
    expect(await cut).toBe('io server disconnect');
    expect((await client(server.url, owner)('GET', '/api/nodes')).status).toBe(200);
  });

  it('refuses an agent that claims another node id, and its results cannot settle that node’s tasks', async () => {
    const victim = agent((await joinToken(owner)).token);
    const { id: victimId } = await ready(victim);
    await victim.close();
    await waitFor(() => !hub.node(victimId)?.connected, 5_000, 'victim disconnected');
    const victimName = hub.node(victimId)?.name;

    const { nodeId: rogueId, token } = hub.registerNode({ name: 'rogue', teamId: owner.teamId });
    const rogue = raw(token);
    await welcomed(rogue);

    // A result for the victim's pending task, sent on the rogue's connection, settles nothing.
    const pendingTask = task({ kind: 'ensure-network', network: run.name('victim-net'), labels: run.labels });
    let settled = false;
    const pending = hub.dispatch(victimId, pendingTask).then((r) => ((settled = true), r));
    const goodHello = { nodeId: rogueId, name: 'rogue', engineVersion: 'x', cpus: 1, memoryBytes: 1024, agentVersion: 'test' };
    expect(await rogue.emitWithAck('hello', goodHello)).toEqual({ ok: true });
    rogue.emit('task:result', { id: pendingTask.id, ok: false, error: 'forged', ts: Date.now() });
    expect(await rogue.emitWithAck('hello', goodHello)).toEqual({ ok: true }); // a round trip after the forged result
    expect(settled).toBe(false);

    const impersonations = hub.counters().impersonations;
    const cut = new Promise<string>((resolve) => rogue.once('disconnect', resolve));
    expect(await rogue.emitWithAck('hello', { ...goodHello, nodeId: victimId, name: 'pwned' })).toEqual({
      ok: false,
      reason: 'FORBIDDEN',
    });
    expect(await cut).toBe('io server disconnect');
    expect(hub.counters().impersonations).toBe(impersonations + 1);
    expect(hub.node(victimId)?.name).toBe(victimName);

    // The real victim comes back and gets its task.
    const back = agent(JSON.parse(readFileSync(join(victim.dir as string, 'node.json'), 'utf8')).token, victim.dir);
    await ready(back);
    expect(await pending).toMatchObject({ ok: true });
  });
});

describe('the local agent', () => {
  it('registers the shared node "local" and keeps its id across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'containr-local-'));
    dirs.push(dataDir);
    const start = () => startTestServer({ dataDir, env: { CONTAINR_LOCAL_AGENT: 'true' } });
    const localReady = (s: TestServer) =>
      waitFor(
        () => s.containr.agents.nodes().find((n) => n.name === 'local' && n.status === 'ready' && n.connected),
        10_000,
        'local node ready'
      );

    const first = await start();
    let id: string;
    try {
      const node = await localReady(first);
      expect(node).toMatchObject({ teamId: null, connected: true });
      id = node.id;
    } finally {
      await first.close();
    }
    const second = await start();
    try {
      expect((await localReady(second)).id).toBe(id);
      expect(second.containr.agents.nodes().filter((n) => n.name === 'local')).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});
