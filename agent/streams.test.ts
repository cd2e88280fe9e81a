// Backpressure on a real container's logs: while the server does not acknowledge,
// the agent stops reading the engine's stream (the engine keeps the lines) instead
// of holding every line in memory; once acknowledgements come, every line arrives,
// in order, once.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS, type AgentLogs } from '../sync/events';
import { silentLogger } from './log';
import { startStreams, type Streams } from './streams';
import { BUSYBOX, removeTestObjects, requireEngine, testRun } from './testing';

const docker = new Docker();
const run = testRun('streams');
const NODE = `streams-node-${run.id}`;
const LINES = 20_000;
const HIGH_WATER = 500;

/** A gate the fake server's acknowledgements wait behind. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let streams: Streams | null = null;

beforeAll(() => requireEngine(docker));
afterAll(async () => {
  await streams?.close();
  await removeTestObjects(docker, run.id);
});

describe('log backpressure', () => {
  it('pauses the engine stream while lines wait for acknowledgement, and then delivers every line once, in order', async () => {
    const acks = gate();
    const received: number[] = [];
    let requests = 0;
    streams = startStreams({
      docker,
      nodeId: NODE,
      stateDir: null,
      logger: silentLogger,
      options: { highWaterLines: HIGH_WATER, maxLinesPerBatch: 200, logDelayMs: 10, ackTimeoutMs: 120_000 },
      transport: {
        ready: () => true,
        async request(event, payload) {
          if (event !== 'logs') return { ok: true };
          requests++;
          await acks.opened;
          for (const c of (payload as AgentLogs).containers) for (const line of c.lines) received.push(Number(line.text.split(' ')[1]));
          return { ok: true };
        },
      },
    });

    // 100-byte numbered lines, all at once: the engine's stream delivers them in 64 KB chunks.
    const container = await docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['sh', '-c', `awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) printf "line %d %090d\\n", i, 0 }'; exec sleep 3600`],
      Labels: {
        ...run.labels,
        [LABELS.managed]: 'true',
        [LABELS.node]: NODE,
        [LABELS.project]: 'p1',
        [LABELS.environment]: 'e1',
        [LABELS.service]: 'chatty',
        [LABELS.deployment]: 'd1',
      },
    });
    await container.start();
    streams.refresh();

    // The engine has every line; the agent, unacknowledged, read a bounded part and paused.
    await waitFor(() => streams!.counters().pauses >= 1, 30_000, 'the stream to pause');
    await waitFor(
      async () => (await container.logs({ stdout: true, tail: 1 })).toString('latin1').includes(`line ${LINES} `),
      30_000,
      'the container to have written every line',
    );
    const queued = streams.counters().queuedLines;
    expect(queued).toBeGreaterThanOrEqual(HIGH_WATER);
    expect(queued).toBeLessThan(LINES / 4); // the high-water mark plus what one read chunk held
    await waitFor(() => requests >= 1, 10_000, 'the first batch to be sent'); // its timer may not have fired yet
    expect(requests).toBe(1); // one batch in flight, the rest waiting in order
    expect(received).toEqual([]);

    acks.open();
    await waitFor(() => received.length >= LINES, 60_000, 'every line acknowledged');
    expect(received).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
    expect(streams.counters()).toMatchObject({ queuedLines: 0, sentLines: LINES });
  }, 120_000);
});
