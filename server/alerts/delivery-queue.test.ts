// The delivery queue's turn order and limits, with attempts that finish only
// when the test says so: no network, no timers, no sleeps.
import { describe, expect, it } from 'vitest';
import { createDeliveryQueue, type DeliveryLimits } from './delivery-queue';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A queue whose attempts are held open until `finish(id, ok)`. */
function harness(limits: DeliveryLimits) {
  const open = new Map<string, ReturnType<typeof deferred<boolean | null>>>();
  const started: string[] = [];
  const errors: string[] = [];
  const queue = createDeliveryQueue(
    limits,
    (id) => {
      started.push(id);
      const d = deferred<boolean | null>();
      open.set(id, d);
      return d.promise;
    },
    (_error, id) => errors.push(id),
  );
  /** Lets the queue's promise callbacks run (they are microtasks). */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  async function finish(id: string, ok: boolean | null) {
    open.get(id)?.resolve(ok);
    open.delete(id);
    await settle();
  }
  async function fail(id: string) {
    open.get(id)?.reject(new Error('boom'));
    open.delete(id);
    await settle();
  }
  return { queue, started, open, errors, finish, fail };
}

describe('delivery queue', () => {
  it('runs at most perChannel attempts of one channel at a time, the rest as they finish', async () => {
    const h = harness({ perChannel: 2, total: 10, failing: 4 });
    for (const id of ['a1', 'a2', 'a3', 'a4']) h.queue.push('a', id);
    expect(h.started).toEqual(['a1', 'a2']);
    await h.finish('a1', true);
    expect(h.started).toEqual(['a1', 'a2', 'a3']);
    // The same delivery pushed again while queued or in flight is not attempted twice.
    h.queue.push('a', 'a3');
    h.queue.push('a', 'a4');
    expect(h.queue.stats()).toMatchObject({ inFlight: 2, queued: 1 });
  });

  it('a channel whose target hangs delays no other channel', async () => {
    // The old design: one pool of 8. Here 8 hanging channels hold at most their own lanes.
    const h = harness({ perChannel: 2, total: 32, failing: 8 });
    for (let c = 0; c < 8; c++) for (let i = 0; i < 5; i++) h.queue.push(`dead${c}`, `dead${c}-${i}`);
    expect(h.started).toHaveLength(16);
    h.queue.push('healthy', 'h1');
    expect(h.started.at(-1)).toBe('h1');
    await h.finish('h1', true);
    h.queue.push('healthy', 'h2');
    expect(h.started.at(-1)).toBe('h2');
  });

  it('channels whose last attempt failed share `failing` slots; healthy channels keep the rest', async () => {
    const h = harness({ perChannel: 2, total: 6, failing: 2 });
    // Three channels fail once each: from then on they count as failing.
    for (const c of ['x', 'y', 'z']) h.queue.push(c, `${c}0`);
    for (const c of ['x', 'y', 'z']) await h.finish(`${c}0`, false);
    expect(h.queue.stats().failingChannels).toBe(3);
    // Their retries hang: only two run at once, whatever the number of failing channels.
    for (const c of ['x', 'y', 'z']) for (let i = 1; i <= 3; i++) h.queue.push(c, `${c}${i}`);
    expect(h.queue.stats()).toMatchObject({ inFlight: 2, failingInFlight: 2, queued: 7 });
    // A healthy channel still starts at once, up to its own limit; two healthy channels fill the rest.
    for (const c of ['h', 'k']) for (let i = 1; i <= 3; i++) h.queue.push(c, `${c}${i}`);
    expect(h.started.slice(-4).sort()).toEqual(['h1', 'h2', 'k1', 'k2']);
    expect(h.queue.stats()).toMatchObject({ inFlight: 6, failingInFlight: 2 });
    // The total is full: h3 waits for a slot, and gets the one h1 frees (not a failing channel).
    await h.finish('h1', true);
    expect(h.started.at(-1)).toBe('h3');
    // A failing channel that succeeds is healthy again.
    const firstFailing = h.started.find((id) => /^[xyz]1$/.test(id)) as string;
    await h.finish(firstFailing, true);
    expect(h.queue.stats().failingChannels).toBe(2);
  });

  it('takes channels in turn, so a long backlog of one does not starve another', async () => {
    const h = harness({ perChannel: 1, total: 2, failing: 1 });
    for (let i = 0; i < 5; i++) h.queue.push('busy', `b${i}`);
    h.queue.push('other', 'o0');
    h.queue.push('third', 't0');
    expect(h.started).toEqual(['b0', 'o0']);
    await h.finish('b0', true);
    // third waited longest for a turn: it goes before busy's next one.
    expect(h.started).toEqual(['b0', 'o0', 't0']);
    await h.finish('o0', true);
    expect(h.started.at(-1)).toBe('b1');
  });

  it('an attempt that throws counts as failed and is reported; nothing to attempt changes nothing', async () => {
    const h = harness({ perChannel: 1, total: 4, failing: 1 });
    h.queue.push('a', 'a1');
    await h.fail('a1');
    expect(h.errors).toEqual(['a1']);
    expect(h.queue.stats().failingChannels).toBe(1);
    h.queue.push('a', 'a2');
    await h.finish('a2', null);
    expect(h.queue.stats().failingChannels).toBe(1);
  });

  it('close starts nothing more and waits for the attempts in flight', async () => {
    const h = harness({ perChannel: 1, total: 4, failing: 1 });
    h.queue.push('a', 'a1');
    h.queue.push('a', 'a2');
    let closed = false;
    const closing = h.queue.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    await h.finish('a1', true);
    await closing;
    expect(h.started).toEqual(['a1']);
    h.queue.push('a', 'a3');
    expect(h.started).toEqual(['a1']);
  });

  it('refuses limits that would let failing channels take every slot', () => {
    expect(() => createDeliveryQueue({ perChannel: 1, total: 4, failing: 4 }, async () => true, () => undefined)).toThrow();
  });
});
