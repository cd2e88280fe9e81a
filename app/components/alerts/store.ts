/**
 * The open alerts of one environment, kept outside React like the telemetry store: fed by
 * the `/live` `alerts` messages (a snapshot of every open alert right after subscribing,
 * then each change of state). A change re-renders only the cards of the services it names.
 */
import type { LiveAlert, LiveAlerts } from '../../../sync';

/** What a canvas node shows: the most pressing open alert of its service, or none. */
export interface NodeAlert {
  id: string;
  title: string;
  state: 'firing' | 'acknowledged';
  severity: LiveAlert['severity'];
  firedAt: string;
  /** More open alerts besides this one. */
  more: number;
}

/** Key of the alerts about the whole environment (no service). */
const ENVIRONMENT = '';

const SEVERITY_RANK = { critical: 3, warning: 2, info: 1 } as const;

/** Firing before acknowledged, then the more severe, then the newest. */
export function compareAlerts(a: LiveAlert, b: LiveAlert): number {
  if (a.state !== b.state) return a.state === 'firing' ? -1 : 1;
  if (a.severity !== b.severity) return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
  return b.firedAt.localeCompare(a.firedAt);
}

export class AlertsStore {
  /** Open alerts (firing or acknowledged) by id. */
  private open = new Map<string, LiveAlert>();
  private byService = new Map<string, NodeAlert | null>();
  private listeners = new Map<string, Set<() => void>>();
  private changeListeners = new Set<(alerts: LiveAlert[]) => void>();

  /**
   * `snapshot`: the message lists every open alert (sent right after subscribing), so
   * alerts not in it resolved while this page was away.
   */
  apply(message: LiveAlerts, snapshot = false): void {
    const touched = new Set<string>();
    if (snapshot) {
      for (const alert of this.open.values()) touched.add(alert.serviceId ?? ENVIRONMENT);
      this.open.clear();
    }
    for (const alert of message.alerts) {
      const previous = this.open.get(alert.id);
      if (previous) touched.add(previous.serviceId ?? ENVIRONMENT);
      touched.add(alert.serviceId ?? ENVIRONMENT);
      if (alert.state === 'resolved') this.open.delete(alert.id);
      else this.open.set(alert.id, alert);
    }
    // An environment-wide alert concerns every node.
    const everyone = touched.has(ENVIRONMENT);
    if (everyone) this.byService.clear();
    else for (const serviceId of touched) this.byService.delete(serviceId);
    for (const [serviceId, listeners] of this.listeners) {
      if (!everyone && !touched.has(serviceId)) continue;
      for (const listener of [...listeners]) listener();
    }
    if (!snapshot || message.alerts.length > 0) {
      for (const listener of [...this.changeListeners]) listener(message.alerts);
    }
  }

  /** Every open alert, the most pressing first. */
  list(): LiveAlert[] {
    return [...this.open.values()].sort(compareAlerts);
  }

  /** The alert a node of this service shows (its own, or one about the whole environment); stable while unchanged. */
  forService(serviceId: string): NodeAlert | null {
    const cached = this.byService.get(serviceId);
    if (cached !== undefined) return cached;
    const mine = [...this.open.values()].filter((a) => a.serviceId === serviceId || a.serviceId === null).sort(compareAlerts);
    const top = mine[0];
    const value: NodeAlert | null = top
      ? { id: top.id, title: top.title, state: top.state as NodeAlert['state'], severity: top.severity, firedAt: top.firedAt, more: mine.length - 1 }
      : null;
    this.byService.set(serviceId, value);
    return value;
  }

  subscribe(serviceId: string, listener: () => void): () => void {
    let set = this.listeners.get(serviceId);
    if (!set) this.listeners.set(serviceId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(serviceId);
    };
  }

  /** Every change of state as it arrives (the bell recounts on it). */
  onChange(listener: (alerts: LiveAlert[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }
}
