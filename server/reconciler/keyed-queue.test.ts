import { describe, expect, it } from 'vitest';
import { deferred } from './fake-hub';
import { KeyedQueue } from './keyed-queue';

describe('KeyedQueue', () => {
  it('runs work for one key one at a time, in order', async () => {
    const queue = new KeyedQueue();
    const first = deferred();
    const log: string[] = [];
    const a = queue.run('env', async () => {
      log.push('a:start');
      await first.promise;
      log.push('a:end');
    });
    const b = queue.run('env', async () => {
      log.push('b');
    });
    await Promise.resolve();
    expect(log).toEqual(['a:start']);
    first.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(['a:start', 'a:end', 'b']);
  });

  it('runs different keys concurrently', async () => {
    const queue = new KeyedQueue();
    const gate = deferred();
    const log: string[] = [];
    const a = queue.run('one', async () => {
      log.push('one');
      await gate.promise;
    });
    const b = queue.run('two', async () => {
      log.push('two');
    });
    await b;
    expect(log).toEqual(['one', 'two']);
    gate.resolve();
    await a;
  });

  it('keeps going after a failure', async () => {
    const queue = new KeyedQueue();
    await expect(queue.run('env', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run('env', async () => 42)).resolves.toBe(42);
  });

  it('coalesces requests made while one is waiting to start', async () => {
    const queue = new KeyedQueue();
    const gate = deferred();
    let runs = 0;
    const pass = async () => {
      runs++;
      await gate.promise;
    };
    const running = queue.request('env', pass);
    await Promise.resolve();
    // Three requests while the first runs: one more pass, not three.
    const queued = [queue.request('env', pass), queue.request('env', pass), queue.request('env', pass)];
    expect(queued[1]).toBe(queued[0]);
    gate.resolve();
    await Promise.all([running, ...queued]);
    expect(runs).toBe(2);
    expect(queue.busy('env')).toBe(false);
  });
});
