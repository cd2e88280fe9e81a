// The order deliveries are attempted in: a lane per channel, taken in turn,
// so a slow or dead target only ever waits behind itself. A channel has at
// most `perChannel` attempts in flight; all channels together at most `total`;
// channels whose last attempt failed (hanging receivers among them) share at
// most `failing` of those, so however many targets hang, healthy channels
// keep `total - failing` slots.

export type DeliveryLimits = {
  /** Attempts in flight for one channel. */
  perChannel: number;
  /** Attempts in flight for all channels. */
  total: number;
  /** Attempts in flight for channels whose last attempt failed (< total). */
  failing: number;
};

export const DELIVERY_LIMITS: DeliveryLimits = { perChannel: 2, total: 32, failing: 8 };

/** One attempt of delivery `id`; resolves to whether it succeeded, null when there was nothing to attempt. */
export type Attempt = (id: string) => Promise<boolean | null>;

/** `turn`: when the lane last started an attempt (0: never); the lane that waited longest goes first. */
type Lane = { ready: string[]; inFlight: number; turn: number };

export function createDeliveryQueue(limits: DeliveryLimits, attempt: Attempt, onError: (error: unknown, id: string) => void) {
  if (limits.failing >= limits.total) throw new Error('the failing channels must leave healthy ones a slot');
  /** Channels with work queued or in flight. */
  const lanes = new Map<string, Lane>();
  let turns = 0;
  /** Channels whose last finished attempt failed. */
  const failing = new Set<string>();
  const queued = new Set<string>();
  const inFlight = new Map<string, Promise<void>>();
  let failingInFlight = 0;
  let closed = false;

  function start(channelId: string, lane: Lane, id: string) {
    queued.delete(id);
    lane.inFlight++;
    lane.turn = ++turns;
    const countedFailing = failing.has(channelId);
    if (countedFailing) failingInFlight++;
    const run = attempt(id)
      .then(
        (ok) => {
          if (ok === true) failing.delete(channelId);
          else if (ok === false) failing.add(channelId);
        },
        (error: unknown) => {
          failing.add(channelId);
          onError(error, id);
        },
      )
      .finally(() => {
        inFlight.delete(id);
        lane.inFlight--;
        if (countedFailing) failingInFlight--;
        if (lane.inFlight === 0 && lane.ready.length === 0 && lanes.get(channelId) === lane) lanes.delete(channelId);
        pump();
      });
    inFlight.set(id, run);
  }

  function pump() {
    let started = true;
    while (!closed && started && inFlight.size < limits.total) {
      started = false;
      for (const [channelId, lane] of [...lanes].sort((a, b) => a[1].turn - b[1].turn)) {
        if (inFlight.size >= limits.total) break;
        if (lane.ready.length === 0 || lane.inFlight >= limits.perChannel) continue;
        if (failing.has(channelId) && failingInFlight >= limits.failing) continue;
        start(channelId, lane, lane.ready.shift() as string);
        started = true;
      }
    }
  }

  return {
    /** Queues one attempt of delivery `id` (ignored when it is already queued or in flight). */
    push(channelId: string, id: string): void {
      if (closed || queued.has(id) || inFlight.has(id)) return;
      let lane = lanes.get(channelId);
      if (!lane) {
        lane = { ready: [], inFlight: 0, turn: 0 };
        lanes.set(channelId, lane);
      }
      lane.ready.push(id);
      queued.add(id);
      pump();
    },

    /** What runs and waits, for tests and logs. */
    stats: () => ({ inFlight: inFlight.size, failingInFlight, queued: queued.size, failingChannels: failing.size }),

    /** Starts nothing more; resolves when the attempts in flight have finished. */
    async close(): Promise<void> {
      closed = true;
      lanes.clear();
      queued.clear();
      await Promise.all(inFlight.values());
    },
  };
}

export type DeliveryQueue = ReturnType<typeof createDeliveryQueue>;
