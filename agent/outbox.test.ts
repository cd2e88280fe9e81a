import { describe, expect, it } from 'vitest';
import { silentLogger } from './log';
import { Outbox, type OutboxOptions, type Transport } from './outbox';

/** A transport whose requests wait for the test to answer them. */
function fakeTransport() {
  const requests: { event: string; payload: { items: number[]; dropped: number }; answer(value: unknown): void; fail(): void }[] = [];
  let ready = true;
  const transport: Transport = {
    ready: () => ready,
    request: (event, payload) =>
      new Promise((resolve, reject) =>
        requests.push({
          event,
          payload: payload as { items: number[]; dropped: number },
          answer: resolve,
          fail: () => reject(new Error('timeout')),
        }),
      ),
  };
  return { transport, requests, setReady: (value: boolean) => (ready = value) };
}

function outbox(transport: Transport, options: Partial<OutboxOptions<number>> = {}) {
  const acked: number[] = [];
  const box = new Outbox<number>({
    event: 'test',
    transport,
    delayMs: 0,
    maxItems: 3,
    maxChars: 1_000,
    sizeOf: () => 10,
    toPayload: (items, dropped) => ({ items, dropped }),
    capacity: 5,
    onAcked: (items) => acked.push(...items),
    ackTimeoutMs: 1_000,
    retryMs: 10,
    logger: silentLogger,
    ...options,
  });
  return { box, acked };
}

const until = async (predicate: () => boolean) => {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
};

describe('outbox', () => {
  it('sends one batch at a time, keeps items until acknowledged, and sends a backlog batch after batch', async () => {
    const { transport, requests } = fakeTransport();
    const { box, acked } = outbox(transport, { capacity: Infinity });
    for (let i = 1; i <= 7; i++) box.push(i);
    await until(() => requests.length === 1);
    expect(requests[0].payload.items).toEqual([1, 2, 3]);
    // Unacknowledged: nothing else goes, nothing is lost.
    requests[0].fail();
    await until(() => requests.length === 2);
    expect(requests[1].payload.items).toEqual([1, 2, 3]);
    requests[1].answer({ ok: true });
    await until(() => requests.length === 3);
    expect(requests[2].payload.items).toEqual([4, 5, 6]);
    requests[2].answer({ ok: false, reason: 'UNAVAILABLE' }); // stored nowhere: again
    await until(() => requests.length === 4);
    requests[3].answer({ ok: true });
    await until(() => requests.length === 5);
    requests[4].answer({ ok: true });
    await until(() => acked.length === 7);
    expect(acked).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(box.size).toBe(0);
    box.close();
  });

  it('never drops while connected; while unreachable it keeps `capacity` items, drops the oldest and reports how many', async () => {
    const { transport, requests, setReady } = fakeTransport();
    const { box, acked } = outbox(transport);
    for (let i = 1; i <= 8; i++) box.push(i); // over capacity, but connected
    await until(() => requests.length === 1);
    expect(box.dropped).toBe(0);
    requests[0].answer({ ok: true });
    await until(() => requests.length === 2);
    setReady(false);
    requests[1].answer({ ok: true }); // 4, 5, 6 acknowledged as the connection goes
    await until(() => acked.length === 6);
    for (let i = 9; i <= 14; i++) box.push(i);
    expect(box.size).toBe(5);
    expect(box.dropped).toBe(3);
    setReady(true);
    box.kick();
    await until(() => requests.length === 3);
    expect(requests[2].payload).toEqual({ items: [10, 11, 12], dropped: 3 });
    requests[2].answer({ ok: true });
    await until(() => requests.length === 4);
    expect(requests[3].payload).toEqual({ items: [13, 14], dropped: 0 });
    box.close();
  });

  it('halves a batch whose JSON would be too large for one message', async () => {
    const { transport, requests } = fakeTransport();
    // Each item counts 30,000 characters but serializes to 100,000 bytes (escapes, multibyte text).
    const { box } = outbox(transport, {
      maxItems: 100,
      maxChars: Infinity,
      capacity: Infinity,
      sizeOf: () => 30_000,
      toPayload: (items) => ({ items: items.map(() => 'x'.repeat(100_000)) }),
    });
    for (let i = 0; i < 20; i++) box.push(i);
    await until(() => requests.length === 1);
    expect((requests[0].payload.items as unknown[]).length).toBeLessThanOrEqual(9);
    box.close();
  });
});
