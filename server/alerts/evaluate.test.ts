// The pure parts of alerting: rule validation, the threshold machine (duration
// window, hysteresis, no re-fire on flapping), crash windows, backoff, the
// webhook URL rule and the signatures.
import { describe, expect, it } from 'vitest';
import { backoffMs, deadline, metricThreshold, OK, pruneWindow, step, thresholdOf, type Machine, type Threshold } from './evaluate';
import { channelInput, ruleInput, rulePatch, type MetricCondition } from './schemas';
import { ackToken, signBody, verifyAckToken, verifyBody } from './signing';
import { isLinkLocal, isLocalHost, resolvedUrlProblem, webhookUrlProblem } from './url';

/** Feeds [ts, value] pairs; returns the transitions with their times. */
function run(t: Threshold, samples: [number, number][], start: Machine = OK) {
  let m = start;
  const out: [number, 'fire' | 'resolve'][] = [];
  for (const [ts, value] of samples) {
    const r = step(m, t, value, ts);
    m = r.machine;
    if (r.transition) out.push([ts, r.transition]);
  }
  return { machine: m, transitions: out };
}

const cpu = (over: Partial<MetricCondition> = {}): MetricCondition =>
  ruleInput.parse({ name: 'cpu', condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 80, forS: 5, ...over } })
    .condition as MetricCondition;

describe('rule validation', () => {
  it('fills defaults and accepts every condition type', () => {
    const rule = ruleInput.parse({ name: ' High CPU ', condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 80 } });
    expect(rule).toMatchObject({ name: 'High CPU', enabled: true, severity: 'warning', environmentId: null, serviceId: null, channelIds: [], escalation: null });
    expect(rule.condition).toEqual({ type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 80, forS: 60 });
    for (const condition of [{ type: 'crashed' }, { type: 'oom' }, { type: 'crash_loop' }, { type: 'health_failing' }, { type: 'deployment_failed' }, { type: 'node_lost' }]) {
      expect(ruleInput.safeParse({ name: 'x', condition }).success, condition.type).toBe(true);
    }
    expect(ruleInput.parse({ name: 'x', condition: { type: 'crash_loop' } }).condition).toEqual({ type: 'crash_loop', restarts: 3, windowS: 300 });
  });

  it('rejects bad rules with an issue per field', () => {
    const issues = (input: unknown) => {
      const r = ruleInput.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ name: '', condition: { type: 'oom' } })[0]).toMatch(/^name: enter a name/);
    expect(issues({ name: 'x', condition: { type: 'metric', metric: 'cpu', operator: '>', threshold: 1 } })[0]).toMatch(/^condition.metric/);
    expect(issues({ name: 'x', condition: { type: 'metric', metric: 'cpuPercent', operator: '=>', threshold: 1 } })[0]).toMatch(/^condition.operator/);
    expect(issues({ name: 'x', condition: { type: 'metric', metric: 'memoryPercent', operator: '>', threshold: 150 } })).toEqual([
      'condition.threshold: a memory percentage is between 0 and 100',
    ]);
    expect(issues({ name: 'x', condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 1, forS: -1 } })[0]).toMatch(/^condition.forS/);
    expect(issues({ name: 'x', condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 1, windowS: 60 } })).toEqual([
      'condition.windowS: windowS applies to the restarts metric only',
    ]);
    expect(issues({ name: 'x', condition: { type: 'crash_loop', restarts: 1 } })[0]).toMatch(/^condition.restarts/);
    expect(issues({ name: 'x', condition: { type: 'volcano' } })[0]).toMatch(/^condition.type/);
    expect(issues({ name: 'x', condition: { type: 'oom', extra: 1 } })[0]).toMatch(/extra|Unrecognized/i);
    expect(issues({ name: 'x', serviceId: 'svc', condition: { type: 'node_lost' } })).toEqual([
      'serviceId: a node_lost rule is about a whole environment: leave serviceId null',
    ]);
    expect(issues({ name: 'x', condition: { type: 'oom' }, escalation: { afterS: 0, channelIds: ['c'] } })[0]).toMatch(/^escalation.afterS/);
    expect(issues({ name: 'x', condition: { type: 'oom' }, escalation: { afterS: 60, channelIds: [] } })[0]).toMatch(/^escalation.channelIds/);
    expect(rulePatch.safeParse({}).success).toBe(false);
  });

  it('channels: email needs a recipient, webhooks an http(s) URL without credentials', () => {
    expect(channelInput.safeParse({ type: 'email', name: 'ops', roles: ['owner'] }).success).toBe(true);
    expect(channelInput.safeParse({ type: 'email', name: 'ops' }).success).toBe(false);
    expect(channelInput.safeParse({ type: 'email', name: 'ops', addresses: ['not-an-address'] }).success).toBe(false);
    expect(channelInput.safeParse({ type: 'webhook', name: 'hook', url: 'https://example.test/hook' }).success).toBe(true);
    for (const url of ['ftp://example.test/x', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@example.test/', 'not a url']) {
      expect(channelInput.safeParse({ type: 'webhook', name: 'hook', url }).success, url).toBe(false);
    }
  });
});

describe('the threshold machine', () => {
  it('fires only once the breach has held for the duration', () => {
    const t = metricThreshold(cpu({ forS: 5 }));
    // A breach that stops after 3 s never fires.
    expect(run(t, [[0, 90], [1000, 90], [3000, 90], [4000, 10], [5000, 90], [9000, 95]]).transitions).toEqual([]);
    // Held for 5 s: fires at 5 s, once.
    expect(run(t, [[0, 90], [2000, 90], [5000, 91], [6000, 99], [7000, 95]]).transitions).toEqual([[5000, 'fire']]);
    // forS 0: the first breaching sample fires.
    expect(run(metricThreshold(cpu({ forS: 0 })), [[0, 10], [1000, 81]]).transitions).toEqual([[1000, 'fire']]);
  });

  it('resolves only below threshold minus the margin, held for the resolve time (hysteresis)', () => {
    // Threshold 80, margin 10 % = 8: clear means ≤ 72; held 3 s.
    const t = metricThreshold(cpu({ forS: 0, resolveForS: 3 }));
    const fired: [number, number][] = [[0, 90]];
    // Just under the threshold (inside the margin) does not start resolving.
    expect(run(t, [...fired, [1000, 79], [5000, 75], [9000, 73]]).transitions).toEqual([[0, 'fire']]);
    // Clear, but not for long enough, then back inside the margin: still firing, no second fire.
    const flapping = run(t, [...fired, [1000, 50], [2000, 50], [2500, 78], [3000, 85], [4000, 40], [5000, 95]]);
    expect(flapping.transitions).toEqual([[0, 'fire']]);
    expect(flapping.machine.phase).toBe('firing');
    // Clear for 3 s: resolves once.
    expect(run(t, [...fired, [1000, 50], [2000, 60], [4000, 70], [5000, 10]]).transitions).toEqual([
      [0, 'fire'],
      [4000, 'resolve'],
    ]);
  });

  it('a value flapping around the threshold fires once and never resolves in between', () => {
    const t = metricThreshold(cpu({ forS: 2, resolveForS: 5 }));
    const samples: [number, number][] = [];
    for (let s = 0; s < 60; s++) samples.push([s * 1000, s % 2 === 0 ? 85 : 76]);
    // Never clear (76 > 72) and never 2 s above after it fired: one fire only... but it takes 2 s of breach to fire at all.
    expect(run(t, samples).transitions).toEqual([]);
    const burst: [number, number][] = [[0, 90], [1000, 90], [2000, 90], ...samples.map(([ts, v]): [number, number] => [ts + 3000, v])];
    expect(run(t, burst).transitions).toEqual([[2000, 'fire']]);
  });

  it('works for "below" operators too, with the margin above', () => {
    const t: Threshold = { operator: '<', threshold: 10, margin: 2, forMs: 0, resolveForMs: 0 };
    expect(run(t, [[0, 5], [1000, 11], [2000, 12.5]]).transitions).toEqual([
      [0, 'fire'],
      [2000, 'resolve'],
    ]);
  });

  it('says when it decides next without new values', () => {
    const t = metricThreshold(cpu({ forS: 5, resolveForS: 7 }));
    expect(deadline(OK, t)).toBeNull();
    expect(deadline({ phase: 'pending', since: 1000 }, t)).toBe(6000);
    expect(deadline({ phase: 'resolving', since: 1000 }, t)).toBe(8000);
    expect(deadline({ phase: 'firing', since: 1000 }, t)).toBeNull();
  });

  it('crash loops count crashes in a trailing window and clear when none is left', () => {
    const t = thresholdOf({ type: 'crash_loop', restarts: 3, windowS: 60 }) as Threshold;
    const crashes: number[] = [];
    const counts = [0, 10_000, 20_000].map((ts) => {
      crashes.push(ts);
      return pruneWindow(crashes, ts, 60_000).length;
    });
    expect(counts).toEqual([1, 2, 3]);
    expect(run(t, [[0, 1], [10_000, 2], [20_000, 3]]).transitions).toEqual([[20_000, 'fire']]);
    // 2 left in the window: not clear yet; 0 left: resolved.
    expect(pruneWindow([...crashes], 65_000, 60_000)).toEqual([10_000, 20_000]);
    expect(run(t, [[0, 3], [65_000, 2], [81_000, 0]]).transitions).toEqual([
      [0, 'fire'],
      [81_000, 'resolve'],
    ]);
  });

  it('crashes fire at once and resolve after the container stayed up', () => {
    const t = thresholdOf({ type: 'crashed', resolveForS: 30 }) as Threshold;
    expect(run(t, [[0, 1], [1000, 0], [20_000, 1], [21_000, 0], [51_000, 0]]).transitions).toEqual([
      [0, 'fire'],
      [51_000, 'resolve'],
    ]);
  });
});

describe('backoff', () => {
  it('doubles from the base, capped, with ±20 % jitter', () => {
    const exact = (attempt: number) => backoffMs(attempt, 1000, 60_000, () => 0.5);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(exact)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(backoffMs(3, 1000, 60_000, () => 0)).toBe(3200);
    expect(backoffMs(3, 1000, 60_000, () => 0.999)).toBeLessThanOrEqual(4800);
    expect(backoffMs(20, 1000, 60_000, () => 0.999)).toBe(60_000);
  });
});

describe('webhook URLs', () => {
  const own = { port: 3000, host: '0.0.0.0' };

  it('refuses this server, its own port on any local address, and its public URL', () => {
    for (const url of [
      'http://localhost:3000/api/projects',
      'http://127.0.0.1:3000/',
      'http://127.1.2.3:3000/',
      'http://[::1]:3000/',
      'http://0.0.0.0:3000/',
      'http://2130706433:3000/',
      'http://web-production.app.localhost:3000/',
      'http://[::ffff:127.0.0.1]:3000/',
    ]) {
      expect(webhookUrlProblem(url, own), url).toMatch(/this Containr server/);
    }
    expect(webhookUrlProblem('https://containr.example.com/api', { ...own, publicUrl: 'https://containr.example.com' })).toMatch(/this Containr server/);
    expect(webhookUrlProblem('http://localhost/', { port: 80, host: '127.0.0.1' })).toMatch(/this Containr server/);
  });

  it('allows other ports on localhost and other hosts', () => {
    for (const url of ['http://localhost:3001/hook', 'http://127.0.0.1:9999/', 'https://hooks.example.com/x', 'https://example.com:3000/x']) {
      expect(webhookUrlProblem(url, own), url).toBeNull();
    }
    expect(webhookUrlProblem('ftp://example.com/', own)).toMatch(/http/);
    expect(webhookUrlProblem('http://u:p@example.com/', own)).toMatch(/credentials/);
    expect(isLocalHost('example.com')).toBe(false);
    expect(isLocalHost('LOCALHOST.')).toBe(true);
  });

  it('refuses link-local addresses (cloud metadata) on every port, however written', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://169.254.169.254:8080/',
      'https://169.254.0.1/',
      'http://2852039166/',
      'http://0xa9.0xfe.0xa9.0xfe/',
      'http://169.254.169.254./',
      'http://[fe80::1]/',
      'http://[FEBF::a:b]:9000/',
      'http://[::ffff:169.254.169.254]/',
    ]) {
      expect(webhookUrlProblem(url, own), url).toMatch(/link-local/);
    }
    expect(isLinkLocal('169.255.0.1')).toBe(false);
    expect(isLinkLocal('fec0::1')).toBe(false);
    expect(isLinkLocal('10.0.0.1')).toBe(false);
  });

  it('checks the resolved addresses before each attempt: link-local on any port, local ones on our port', async () => {
    const resolvingTo = (address: string) => async () => [{ address }];
    expect(await resolvedUrlProblem('http://metadata.example.test/', own, resolvingTo('169.254.169.254'))).toMatch(/link-local/);
    expect(await resolvedUrlProblem('http://v6.example.test:8443/', own, resolvingTo('fe80::1'))).toMatch(/link-local/);
    expect(await resolvedUrlProblem('http://sneaky.example.test:3000/', own, resolvingTo('127.0.0.1'))).toMatch(/this Containr server/);
    expect(await resolvedUrlProblem('http://sneaky.example.test:3001/', own, resolvingTo('127.0.0.1'))).toBeNull();
    expect(await resolvedUrlProblem('https://hooks.example.test/', own, resolvingTo('203.0.113.7'))).toBeNull();
    // A name that does not resolve is left to the request (which fails, and is retried).
    expect(await resolvedUrlProblem('https://nowhere.example.test/', own, () => Promise.reject(new Error('ENOTFOUND')))).toBeNull();
  });
});

describe('signatures', () => {
  it('signs the raw body with HMAC-SHA256 and verifies in constant time', () => {
    const body = '{"event":"alert.fired"}';
    const signature = signBody('whsec_test', body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyBody('whsec_test', body, signature)).toBe(true);
    expect(verifyBody('whsec_other', body, signature)).toBe(false);
    expect(verifyBody('whsec_test', `${body} `, signature)).toBe(false);
    expect(verifyBody('whsec_test', body, undefined)).toBe(false);
  });

  it('acknowledge tokens: signed, single-purpose, expiring', () => {
    const key = Buffer.alloc(32, 7);
    const token = ackToken(key, 'alert-1', 'ops@example.test', 10_000);
    expect(verifyAckToken(key, token, 5_000)).toEqual({ ok: true, alertId: 'alert-1', email: 'ops@example.test' });
    expect(verifyAckToken(key, token, 10_001)).toEqual({ ok: false, reason: 'EXPIRED' });
    expect(verifyAckToken(Buffer.alloc(32, 8), token, 5_000)).toEqual({ ok: false, reason: 'INVALID' });
    // Another alert id in the claims breaks the MAC.
    const [body, mac] = token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${Buffer.from(JSON.stringify({ ...claims, a: 'alert-2' })).toString('base64url')}.${mac}`;
    expect(verifyAckToken(key, forged, 5_000)).toEqual({ ok: false, reason: 'INVALID' });
    expect(verifyAckToken(key, 'garbage', 5_000)).toEqual({ ok: false, reason: 'INVALID' });
    expect(verifyAckToken(key, `${token}.x`, 5_000)).toEqual({ ok: false, reason: 'INVALID' });
  });
});
