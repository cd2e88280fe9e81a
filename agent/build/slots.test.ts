import { describe, expect, it } from 'vitest';
import { Slots } from './slots';

describe('build slots', () => {
  it('lets N through, queues the rest in order, and passes a released slot on', async () => {
    const slots = new Slots(2);
    const never = new AbortController().signal;
    const a = await slots.acquire(never);
    const b = await slots.acquire(never);
    expect(slots.free).toBe(0);
    const order: string[] = [];
    const c = slots.acquire(never).then((release) => (order.push('c'), release));
    const d = slots.acquire(never).then((release) => (order.push('d'), release));
    expect(slots.waiting).toBe(2);
    a();
    a(); // a second release of the same slot does nothing
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(slots.free).toBe(0);
    b();
    (await d)();
    releaseC();
    expect(slots.free).toBe(2);
  });

  it('drops an aborted waiter with the reason, and the slot goes to the next', async () => {
    const slots = new Slots(1);
    const never = new AbortController().signal;
    const first = await slots.acquire(never);
    const cancel = new AbortController();
    const aborted = slots.acquire(cancel.signal);
    const next = slots.acquire(never);
    cancel.abort(new Error('cancelled'));
    await expect(aborted).rejects.toThrow('cancelled');
    expect(slots.waiting).toBe(1);
    first();
    (await next)();
    expect(slots.free).toBe(1);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new Slots(0)).toThrow(/positive integer/);
  });
});
