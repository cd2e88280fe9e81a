/** Injectable time source, so tests can move time without sleeping. */
export type Clock = { now(): number };
export const systemClock: Clock = { now: () => Date.now() };
