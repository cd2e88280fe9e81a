// Sign-up and password reset take about as long for an address that has an
// account as for one that has not (decision 004), so timing does not tell them
// apart. Medians of interleaved tries, compared as a ratio with a generous
// bound: this catches a branch that skips the password hash (~100× apart) or
// waits for the mail provider, not scheduling noise on a shared machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpAs, uniqueEmail } from '../teams/test-support';
import { client, startTestServer, type TestServer } from '../test-utils';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const TRIES = 7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Times `known` and `unknown` alternately (so load affects both alike) and returns the median of each, in ms. */
async function medians(known: (i: number) => Promise<number>, unknown: (i: number) => Promise<number>) {
  const times = { known: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < TRIES; i++) {
    for (const [kind, run] of i % 2 ? ([['unknown', unknown], ['known', known]] as const) : ([['known', known], ['unknown', unknown]] as const)) {
      const start = performance.now();
      const status = await run(i);
      times[kind].push(performance.now() - start);
      expect(status).toBeGreaterThan(0);
    }
  }
  return { known: median(times.known), unknown: median(times.unknown) };
}

const post = async (path: string, body: unknown) => (await client(server.url)('POST', path, body)).status;

describe('account enumeration by timing', () => {
  it('sign-up with a taken address takes about as long as with a free one (both hash the password)', async () => {
    const taken = await Promise.all(Array.from({ length: TRIES }, () => signUpAs(server)));
    // A warm-up of each, outside the measure.
    await post('/api/auth/signup', { email: taken[0].email, password: 'a long password', name: 'Warm' });
    await post('/api/auth/signup', { email: uniqueEmail('warm'), password: 'a long password', name: 'Warm' });
    const m = await medians(
      async (i) => {
        const status = await post('/api/auth/signup', { email: taken[i].email, password: 'a long password', name: 'Mallory' });
        expect(status).toBe(202);
        return status;
      },
      async () => {
        const status = await post('/api/auth/signup', { email: uniqueEmail('free'), password: 'a long password', name: 'Newcomer' });
        expect(status).toBe(201);
        return status;
      },
    );
    const ratio = m.known / m.unknown;
    expect(ratio, `medians: taken ${m.known.toFixed(1)} ms, free ${m.unknown.toFixed(1)} ms`).toBeGreaterThan(1 / 2.5);
    expect(ratio, `medians: taken ${m.known.toFixed(1)} ms, free ${m.unknown.toFixed(1)} ms`).toBeLessThan(2.5);
  });

  it('a reset request for a known address takes about as long as for an unknown one (the mail goes out after the answer)', async () => {
    const known = await Promise.all(Array.from({ length: TRIES }, () => signUpAs(server)));
    await post('/api/auth/reset', { email: known[0].email });
    await post('/api/auth/reset', { email: uniqueEmail('warm') });
    const m = await medians(
      async (i) => post('/api/auth/reset', { email: known[i].email }),
      async () => post('/api/auth/reset', { email: uniqueEmail('nobody') }),
    );
    const ratio = m.known / m.unknown;
    // A few milliseconds each: the bound is wider, and would still catch a branch that waits for a mail provider or hashes.
    expect(ratio, `medians: known ${m.known.toFixed(1)} ms, unknown ${m.unknown.toFixed(1)} ms`).toBeGreaterThan(1 / 4);
    expect(ratio, `medians: known ${m.known.toFixed(1)} ms, unknown ${m.unknown.toFixed(1)} ms`).toBeLessThan(4);
  });
});
