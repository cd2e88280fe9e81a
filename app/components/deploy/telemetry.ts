/**
 * Live telemetry of one open environment, kept outside React like the status store: the
 * last minutes of metric samples and the newest log line per service, and a stream of log
 * batches for whoever tails a service. A sample re-renders only the cards (and charts) of
 * the services it names, never the graph.
 */
import type { LiveEvents, LiveLogs, LiveMetrics, LogLine, ServiceMetrics } from '../../../sync';

/** How much live history the store keeps per service (sparklines show this window). */
export const LIVE_WINDOW_MS = 5 * 60_000;

type ContainerEvent = LiveEvents['events'][number];

interface ServiceTelemetry {
  /** Oldest first; a new array on every change, so it can be a snapshot. */
  samples: readonly ServiceMetrics[];
  lastLine: LogLine | undefined;
}

const EMPTY: ServiceTelemetry = { samples: [], lastLine: undefined };

export class TelemetryStore {
  private byService = new Map<string, ServiceTelemetry>();
  private listeners = new Map<string, Set<() => void>>();
  private logListeners = new Map<string, Set<(lines: LogLine[], skipped: number) => void>>();
  private eventListeners = new Set<(events: ContainerEvent[]) => void>();

  applyMetrics(message: LiveMetrics): void {
    for (const sample of message.services) {
      const current = this.byService.get(sample.serviceId) ?? EMPTY;
      const last = current.samples.at(-1);
      if (last && last.ts >= sample.ts) continue;
      const cutoff = sample.ts - LIVE_WINDOW_MS;
      let start = 0;
      while (start < current.samples.length && current.samples[start].ts < cutoff) start++;
      this.set(sample.serviceId, { ...current, samples: [...current.samples.slice(start), sample] });
    }
  }

  applyLogs(message: LiveLogs): void {
    const byService = new Map<string, LogLine[]>();
    for (const line of message.lines) {
      let list = byService.get(line.serviceId);
      if (!list) byService.set(line.serviceId, (list = []));
      list.push(line);
    }
    for (const [serviceId, lines] of byService) {
      const newest = lines.reduce((a, b) => (b.ts > a.ts || (b.ts === a.ts && b.id > a.id) ? b : a));
      const current = this.byService.get(serviceId) ?? EMPTY;
      if (!current.lastLine || newest.ts >= current.lastLine.ts) this.set(serviceId, { ...current, lastLine: newest });
      // `skipped` is per tick for the whole environment: every tailing panel should know lines were left out.
      for (const listener of [...(this.logListeners.get(serviceId) ?? [])]) listener(lines, message.skipped);
    }
  }

  /**
   * A line of a service's build (a `build.log` deployment event): the node shows it as the
   * newest line while the image builds, until its container writes. Tailing panels do not get
   * it: the build's log is in the deployment's steps.
   */
  applyBuildLine(line: { eventId: number; serviceId: string; deploymentId: string | null; text: string; ts: number }): void {
    const current = this.byService.get(line.serviceId) ?? EMPTY;
    if (current.lastLine && current.lastLine.ts > line.ts) return;
    // Negative ids never meet a stored line's.
    const { serviceId, deploymentId, text, ts } = line;
    const lastLine: LogLine = { id: -line.eventId, serviceId, deploymentId, containerId: '', stream: 'system', ts, text };
    this.set(serviceId, { ...current, lastLine });
  }

  applyEvents(message: LiveEvents): void {
    for (const listener of [...this.eventListeners]) listener(message.events);
  }

  /** The last `LIVE_WINDOW_MS` of samples, oldest first (stable while unchanged). */
  samples(serviceId: string): readonly ServiceMetrics[] {
    return (this.byService.get(serviceId) ?? EMPTY).samples;
  }

  lastLine(serviceId: string): LogLine | undefined {
    return this.byService.get(serviceId)?.lastLine;
  }

  /** Called when the service's samples or last line change. */
  subscribe(serviceId: string, listener: () => void): () => void {
    return add(this.listeners, serviceId, listener);
  }

  /** Every live batch of the service's log lines, as they arrive. */
  onLogs(serviceId: string, listener: (lines: LogLine[], skipped: number) => void): () => void {
    return add(this.logListeners, serviceId, listener);
  }

  onEvents(listener: (events: ContainerEvent[]) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private set(serviceId: string, value: ServiceTelemetry): void {
    this.byService.set(serviceId, value);
    for (const listener of [...(this.listeners.get(serviceId) ?? [])]) listener();
  }
}

function add<T>(map: Map<string, Set<T>>, key: string, listener: T): () => void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) map.delete(key);
  };
}
