// The TTL job without a server: a sweep at start and on every tick of an
// injected clock, one at a time, a failing preview not holding up the others.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { ManualTimers } from '../reconciler/timers';
import { startSweeper } from './sweeper';

function setup(due: () => string[], expire: (id: string) => Promise<boolean>) {
  const timers = new ManualTimers(0);
  const sweeper = startSweeper({ timers, intervalMs: 1_000, logger: createLogger('silent', false), due, expire });
  return { timers, sweeper };
}

describe('the preview sweeper', () => {
  it('sweeps at start and then on every interval', async () => {
    let expired: string[] = [];
    let pending = ['a'];
    const { timers, sweeper } = setup(
      () => pending,
      async (id) => {
        expired.push(id);
        pending = pending.filter((p) => p !== id);
        return true;
      },
    );
    await sweeper.sweep();
    expect(expired).toEqual(['a']);
    pending = ['b', 'c'];
    expired = [];
    await timers.advance(999);
    expect(expired).toEqual([]);
    await timers.advance(1);
    expect(expired).toEqual(['b', 'c']);
    await sweeper.close();
  });

  it('runs one sweep at a time, and goes on after a failure', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls: string[] = [];
    const { timers, sweeper } = setup(
      () => ['slow', 'broken', 'fine'],
      async (id) => {
        calls.push(id);
        if (id === 'slow') await gate;
        if (id === 'broken') throw new Error('no');
        return true;
      },
    );
    // Ticks while the first sweep waits do not start another.
    await timers.advance(5_000);
    expect(calls).toEqual(['slow']);
    release();
    await sweeper.sweep();
    expect(calls.slice(0, 3)).toEqual(['slow', 'broken', 'fine']);
    await sweeper.close();
  });

  it('close() aborts a sweep that waits and stops the ticks', async () => {
    const signals: AbortSignal[] = [];
    const timers = new ManualTimers(0);
    let calls = 0;
    const sweeper = startSweeper({
      timers,
      intervalMs: 1_000,
      logger: createLogger('silent', false),
      due: () => ['x'],
      expire: (_id, signal) => {
        calls++;
        signals.push(signal);
        return new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(false)));
      },
    });
    await timers.advance(0);
    await sweeper.close();
    expect(signals[0].aborted).toBe(true);
    await timers.advance(10_000);
    expect(calls).toBe(1);
  });
});
