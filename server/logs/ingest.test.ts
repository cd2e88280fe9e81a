// What the server does with agents' `logs` and `event` batches, driven over
// real /agent sockets by hand-made agents (no engine needed): who may send what,
// repeats, floods, and retention with an injected clock.
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, AgentEvents, AgentLogs, ContainerRef, LiveLogs, LogLine } from '../../sync/events';
import { client, createApiToken, signUp, startTestServer, waitFor, type Session, type TestServer } from '../test-utils';

let offset = 0;
const clock = { now: () => Date.now() + offset };
let server: TestServer;
let owner: Session;
let token: string;
let api: ReturnType<typeof client>;
const sockets: Socket[] = [];

beforeAll(async () => {
  // A small cap (about 40 KB) and a one-day age, so retention can be seen at work.
  server = await startTestServer({ clock, env: { CONTAINR_LOG_MAX_MB_PER_SERVICE: '0.04', CONTAINR_LOG_RETENTION_DAYS: '1' } });
  owner = await signUp(server.url, 'Ingest Owner');
  token = await createApiToken(server.url, owner);
  api = client(server.url, { token });
}, 60_000);

afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await server?.close();
});

async function environment(session: Session = owner) {
  const res = await client(server.url, session)('POST', '/api/projects', { name: `Ingest ${Math.random().toString(36).slice(2, 8)}` });
  expect(res.status).toBe(201);
  return { projectId: res.body.project.id as string, environmentId: res.body.environments[0].id as string };
}

/** A hand-made agent: a registered node's socket that said hello. */
async function rawAgent(teamId: string | null) {
  const { nodeId, token: nodeToken } = server.containr.agents.registerNode({ name: 'raw', teamId });
  const socket = connect(`${server.url}/agent`, { auth: { token: nodeToken }, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  await new Promise((resolve) => socket.once('welcome', resolve));
  const hello = { nodeId, name: 'raw', engineVersion: 'test', cpus: 1, memoryBytes: 1e9, agentVersion: 'test' };
  expect(await socket.emitWithAck('hello', hello)).toEqual({ ok: true });
  return { socket, nodeId, send: (event: string, payload: unknown) => socket.timeout(10_000).emitWithAck(event, payload) as Promise<Ack> };
}

async function subscribe(environmentId: string) {
  const socket = connect(`${server.url}/live`, { auth: { token }, transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  const received = { lines: [] as LogLine[], messages: [] as LiveLogs[], arrivals: [] as number[] };
  socket.on('logs', (m: LiveLogs) => {
    received.messages.push(m);
    received.lines.push(...m.lines);
    received.arrivals.push(Date.now());
  });
  expect(await socket.emitWithAck('subscribe', { environmentId })).toEqual({ ok: true });
  return received;
}

let containerCount = 0;
function ref(nodeId: string, env: { projectId: string; environmentId: string }, serviceId = 'svc'): ContainerRef {
  return { containerId: `c${++containerCount}-${Date.now()}`, nodeId, ...env, serviceId, deploymentId: 'd1' };
}

/** `count` stdout lines "line <from>"… with engine timestamps 1 µs apart. */
function batch(container: ContainerRef, from: number, count: number, baseUs = clock.now() * 1000): AgentLogs {
  const lines = Array.from({ length: count }, (_, i) => ({
    stream: 'stdout' as const,
    tsUs: baseUs + from + i,
    seq: 0,
    text: `line ${from + i}`,
  }));
  return { containers: [{ ...container, lines }] };
}

async function stored(serviceId: string, environmentId: string, query = '') {
  const res = await api('GET', `/api/services/${serviceId}/logs?environmentId=${environmentId}&limit=5000${query}`);
  expect(res.status).toBe(200);
  return res.body.lines as LogLine[];
}

describe('logs from agents', () => {
  it('stores a batch once however often it is sent, and only what the sending node may report', async () => {
    const env = await environment();
    const agent = await rawAgent(owner.teamId);
    const container = ref(agent.nodeId, env);
    const base = clock.now() * 1000;
    expect(await agent.send('logs', batch(container, 1, 10, base))).toEqual({ ok: true });
    // The same batch again (its acknowledgement was lost), then one overlapping it.
    expect(await agent.send('logs', batch(container, 1, 10, base))).toEqual({ ok: true });
    expect(await agent.send('logs', batch(container, 6, 10, base))).toEqual({ ok: true });
    const lines = await stored('svc', env.environmentId);
    expect(lines.map((l) => l.text)).toEqual(Array.from({ length: 15 }, (_, i) => `line ${i + 1}`));

    // Lines naming another node, another team's environment, or no environment at all are ignored.
    const stranger = await signUp(server.url, 'Ingest Stranger');
    const theirs = await environment(stranger);
    const before = server.containr.services.telemetry.logs.counters().rejected;
    expect(await agent.send('logs', batch({ ...ref('another-node', env), serviceId: 'svc' }, 100, 1))).toEqual({ ok: true });
    expect(await agent.send('logs', batch(ref(agent.nodeId, theirs, 'theirs'), 100, 1))).toEqual({ ok: true });
    expect(await agent.send('logs', batch(ref(agent.nodeId, { ...env, environmentId: 'no-such-environment' }), 100, 1))).toEqual({
      ok: true,
    });
    expect(server.containr.services.telemetry.logs.counters().rejected - before).toBe(3);
    expect(await stored('svc', env.environmentId)).toHaveLength(15);
    expect(await client(server.url, stranger)('GET', `/api/services/theirs/logs?environmentId=${theirs.environmentId}`)).toMatchObject({
      status: 200,
      body: { lines: [] },
    });

    // A shared node serves every team.
    const shared = await rawAgent(null);
    expect(await shared.send('logs', batch(ref(shared.nodeId, theirs, 'theirs'), 1, 2))).toEqual({ ok: true });
    expect((await client(server.url, stranger)('GET', `/api/services/theirs/logs?environmentId=${theirs.environmentId}`)).body.lines).toHaveLength(2);

    // Malformed batches are refused (and counted towards cutting the agent off).
    expect(await agent.send('logs', { containers: [{ ...container, lines: [{ stream: 'tty', tsUs: 1, seq: 0, text: 'x' }] }] })).toEqual({
      ok: false,
      reason: 'INVALID_MESSAGE',
    });
    expect(await agent.send('stats', { samples: 'many' })).toEqual({ ok: false, reason: 'INVALID_MESSAGE' });
  });

  it('keeps lines of stdout and stderr that the engine stamped out of order across the two', async () => {
    const env = await environment();
    const agent = await rawAgent(owner.teamId);
    const container = ref(agent.nodeId, env);
    const t = clock.now() * 1000;
    const payload: AgentLogs = {
      containers: [
        {
          ...container,
          lines: [
            { stream: 'stdout', tsUs: t + 10, seq: 0, text: 'out 1' },
            { stream: 'stdout', tsUs: t + 20, seq: 0, text: 'out 2' },
            // Written after out 2, stamped before it.
            { stream: 'stderr', tsUs: t + 15, seq: 0, text: 'err 1' },
            { stream: 'stdout', tsUs: t + 20, seq: 1, text: 'out 3' },
          ],
        },
      ],
    };
    expect(await agent.send('logs', payload)).toEqual({ ok: true });
    expect(await agent.send('logs', payload)).toEqual({ ok: true });
    // Stored once each, in the engine's order (they share a millisecond).
    expect((await stored('svc', env.environmentId)).map((l) => l.text)).toEqual(['out 1', 'out 2', 'err 1', 'out 3']);
  });

  it('writes engine events as system lines and relays them', async () => {
    const env = await environment();
    const live = await subscribe(env.environmentId);
    const agent = await rawAgent(owner.teamId);
    const container = ref(agent.nodeId, env);
    const events: AgentEvents = {
      events: [
        { ...container, ts: clock.now(), type: 'die', exitCode: 137 },
        { ...container, ts: clock.now() + 1, type: 'oom' },
        { ...container, ts: clock.now() + 2, type: 'health', health: 'unhealthy' },
      ],
    };
    expect(await agent.send('event', events)).toEqual({ ok: true });
    expect(await agent.send('event', events)).toEqual({ ok: true }); // a repeat adds nothing
    const texts = ['container exited with code 137', 'container ran out of memory (OOM)', 'health check: unhealthy'];
    expect((await stored('svc', env.environmentId, '&stream=system')).map((l) => l.text)).toEqual(texts);
    await waitFor(() => live.lines.length >= 3, 5_000, 'the system lines over /live');
    expect(live.lines.map((l) => [l.stream, l.text])).toEqual(texts.map((t) => ['system', t]));
  });

  it('relays a flood in bounded batches, stores every line, and keeps other rooms moving', async () => {
    const flooded = await environment();
    const quiet = await environment();
    const floodLive = await subscribe(flooded.environmentId);
    const quietLive = await subscribe(quiet.environmentId);
    const agent = await rawAgent(owner.teamId);
    const other = await rawAgent(owner.teamId);
    const noisy = ref(agent.nodeId, flooded, 'noisy');
    const calm = ref(other.nodeId, quiet, 'calm');

    const LINES = 40_000;
    const started = Date.now();
    const sends: Promise<Ack>[] = [];
    for (let from = 1; from <= LINES; from += 2_000) sends.push(agent.send('logs', batch(noisy, from, 2_000, started * 1000)));
    // One line from another node to another environment while the flood is being stored.
    const quietSent = Date.now();
    sends.push(other.send('logs', batch(calm, 1, 1)));
    expect(new Set((await Promise.all(sends)).map((a) => a.ok))).toEqual(new Set([true]));
    await waitFor(() => quietLive.lines.length === 1, 5_000, 'the quiet room to get its line');
    const quietLatency = quietLive.arrivals[0] - quietSent;

    await waitFor(
      () => floodLive.messages.reduce((n, m) => n + m.lines.length + m.skipped, 0) >= LINES,
      10_000,
      'the flood to be relayed or counted',
    );
    // Bounded: no message over the cap, the newest lines sent, the rest counted as skipped; about one message per tick.
    expect(Math.max(...floodLive.messages.map((m) => m.lines.length))).toBeLessThanOrEqual(1_000);
    expect(floodLive.lines.at(-1)?.text).toBe(`line ${LINES}`);
    const elapsed = Date.now() - started;
    expect(floodLive.messages.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 2);
    expect(quietLatency).toBeLessThan(2_000);

    // Every line is stored (the cap trims the oldest lines of the service afterwards, in the background).
    expect(server.containr.services.telemetry.logs.counters().stored).toBeGreaterThanOrEqual(LINES);
  }, 60_000);
});

describe('log retention', () => {
  it('keeps a service under its size cap, oldest first, and drops lines older than the retention age', async () => {
    const env = await environment();
    const agent = await rawAgent(owner.teamId);
    const container = ref(agent.nodeId, env, 'trimmed');
    const base = clock.now() * 1000;
    // About 2,000 lines × (text + overhead) ≈ 250 KB, over the 40 KB cap.
    for (let from = 1; from <= 2_000; from += 500) expect(await agent.send('logs', batch(container, from, 500, base))).toEqual({ ok: true });
    await server.containr.services.telemetry.maintain();
    const kept = await stored('trimmed', env.environmentId);
    const cap = 0.04 * 1024 * 1024;
    const usage = kept.reduce((n, l) => n + l.text.length + 120, 0);
    expect(usage).toBeLessThanOrEqual(cap);
    expect(usage).toBeGreaterThan(cap * 0.8);
    // The newest survive, in order, with no gap.
    const numbers = kept.map((l) => Number(l.text.slice(5)));
    expect(numbers.at(-1)).toBe(2_000);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => 2_001 - numbers.length + i));

    // A day and a bit later, the lines are too old.
    offset += 25 * 60 * 60 * 1000;
    try {
      await server.containr.services.telemetry.maintain();
      expect(await stored('trimmed', env.environmentId)).toEqual([]);
    } finally {
      offset -= 25 * 60 * 60 * 1000;
    }
  });
});
