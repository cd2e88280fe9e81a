import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './throttle';

describe('LoginThrottle', () => {
  it('refuses after the limit and lets the key try again once failures age out', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle(3, 60_000, { now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfter('k')).toBe(0);
      throttle.fail('k');
      now += 1_000;
    }
    expect(throttle.retryAfter('k')).toBe(57);
    expect(throttle.retryAfter('other')).toBe(0);
    now += 57_000;
    expect(throttle.retryAfter('k')).toBe(0);
  });

  it('forgets failures after a success', () => {
    const throttle = new LoginThrottle(2, 60_000, { now: () => 0 });
    throttle.fail('k');
    throttle.succeed('k');
    throttle.fail('k');
    expect(throttle.retryAfter('k')).toBe(0);
  });
});
