/**
 * Deploy state of one open canvas, kept outside React (read with useSyncExternalStore) so a
 * status message re-renders only the node cards whose service changed, never the graph.
 */
import { emptySpec, type DeployableSpec, type LiveDeployment, type ServiceStatus } from '../../../sync';
import { Emitter, type Readable } from '../canvas/store';
import type { Deployment, DeploymentEvent } from './api';

/** `undefined`: no status has arrived yet; `null`: the service is not in the deployed commit. */
export type ServiceStatusSnapshot = ServiceStatus | null | undefined;

export class StatusStore {
  private byId = new Map<string, ServiceStatus>();
  private keys = new Map<string, string>();
  private listeners = new Map<string, Set<() => void>>();
  private known = false;

  /** The whole environment, as every `status` message carries it. */
  apply(services: ServiceStatus[]): void {
    const next = new Map(services.map((s) => [s.serviceId, s]));
    const changed = new Set<string>();
    const first = !this.known;
    this.known = true;
    for (const [id, status] of next) {
      const key = JSON.stringify(status);
      if (this.keys.get(id) === key) continue;
      this.keys.set(id, key);
      this.byId.set(id, status);
      changed.add(id);
    }
    for (const id of [...this.byId.keys()]) {
      if (next.has(id)) continue;
      this.byId.delete(id);
      this.keys.delete(id);
      changed.add(id);
    }
    // The first message turns "no data yet" into "not deployed" for every card.
    const notify = first ? [...this.listeners.keys()] : [...changed];
    for (const id of notify) for (const listener of [...(this.listeners.get(id) ?? [])]) listener();
  }

  get(serviceId: string): ServiceStatusSnapshot {
    if (!this.known) return undefined;
    return this.byId.get(serviceId) ?? null;
  }

  all(): ServiceStatus[] {
    return [...this.byId.values()];
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
}

export interface DeploymentsState {
  /** The newest deployment of the environment, or null before the first. */
  latest: Deployment | null;
  /** Its events, oldest first. */
  events: DeploymentEvent[];
  loaded: boolean;
}

export class DeploymentsStore extends Emitter implements Readable<DeploymentsState> {
  private state: DeploymentsState = { latest: null, events: [], loaded: false };
  /** Events that arrived for a deployment still being fetched. */
  private early = new Map<string, DeploymentEvent[]>();

  get = (): DeploymentsState => this.state;

  /** Shows `deployment` (with its events when given) unless a newer one is shown already. */
  show(deployment: Deployment): void {
    const current = this.state.latest;
    if (current && current.id !== deployment.id && Date.parse(current.createdAt) > Date.parse(deployment.createdAt)) return;
    // Events are append-only records: every source (this answer, what is shown, what came early) adds up.
    const shown = current?.id === deployment.id ? this.state.events : [];
    const events = merge(merge(shown, deployment.events ?? []), this.early.get(deployment.id) ?? []);
    this.early.delete(deployment.id);
    const { events: _events, ...rest } = deployment;
    // A status the socket brought while the answer was on its way is the newer one.
    const latest = current?.id === deployment.id && rank(current.status) > rank(rest.status) ? { ...rest, status: current.status, reason: current.reason } : rest;
    this.set({ latest, events, loaded: true });
  }

  markLoaded(): void {
    if (!this.state.loaded) this.set({ ...this.state, loaded: true });
  }

  /** A live message; returns true when it is about a deployment this store has not seen. */
  receive(message: LiveDeployment): boolean {
    const id = message.deploymentId;
    if (id === null) return false; // drift correction outside any deployment
    const latest = this.state.latest;
    if (!latest || latest.id !== id) {
      if (message.event) this.early.set(id, merge(this.early.get(id) ?? [], [toEvent(message.event)]));
      return true;
    }
    let next = latest;
    if (message.status && rank(message.status) >= rank(latest.status)) {
      const now = new Date().toISOString();
      next = {
        ...latest,
        status: message.status,
        reason: message.reason === undefined ? latest.reason : message.reason,
        startedAt: latest.startedAt ?? (message.status === 'running' ? now : null),
        finishedAt: message.status === 'queued' || message.status === 'running' ? null : latest.finishedAt ?? now,
      };
    }
    const events = message.event ? merge(this.state.events, [toEvent(message.event)]) : this.state.events;
    if (next !== latest || events !== this.state.events) this.set({ ...this.state, latest: next, events });
    return false;
  }

  private set(state: DeploymentsState): void {
    this.state = state;
    this.emit();
  }
}

/** Statuses only move forward: a late `running` must not undo a `succeeded`. */
function rank(status: Deployment['status']): number {
  return status === 'queued' ? 0 : status === 'running' ? 1 : 2;
}

function toEvent(event: NonNullable<LiveDeployment['event']>): DeploymentEvent {
  return { ...event, createdAt: typeof event.createdAt === 'string' ? event.createdAt : event.createdAt.toISOString() };
}

function merge(a: DeploymentEvent[], b: DeploymentEvent[]): DeploymentEvent[] {
  if (b.length === 0) return a;
  const seen = new Set(a.map((e) => e.id));
  const added = b.filter((e) => !seen.has(e.id));
  if (added.length === 0) return a;
  return [...a, ...added].sort((x, y) => x.id - y.id);
}

/** Problems the server found when asked to commit, by service id, until that service is edited. */
export class IssuesStore extends Emitter {
  private byId = new Map<string, string[]>();
  private general: string[] = [];

  get(serviceId: string): string[] {
    return this.byId.get(serviceId) ?? NONE;
  }

  set(byService: Map<string, string[]>, general: string[]): void {
    this.byId = byService;
    this.general = general;
    this.emit();
  }

  generalIssues(): string[] {
    return this.general;
  }

  clear(serviceId?: string): void {
    if (serviceId === undefined) {
      if (this.byId.size === 0 && this.general.length === 0) return;
      this.byId = new Map();
      this.general = [];
    } else {
      if (!this.byId.has(serviceId)) return;
      this.byId = new Map(this.byId);
      this.byId.delete(serviceId);
    }
    this.emit();
  }

  count(): number {
    return this.byId.size;
  }
}

const NONE: string[] = [];

export interface BaselineState {
  /** The spec of the environment's latest commit (`emptySpec()` before the first). */
  spec: DeployableSpec;
  commit: { id: string; number: number } | null;
  loaded: boolean;
}

export class BaselineStore extends Emitter implements Readable<BaselineState> {
  private state: BaselineState = { spec: EMPTY, commit: null, loaded: false };
  get = (): BaselineState => this.state;
  set(state: BaselineState): void {
    this.state = state;
    this.emit();
  }
}

const EMPTY = emptySpec();

export type ToastKind = 'success' | 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  lines?: string[];
}

export class ToastStore extends Emitter implements Readable<Toast[]> {
  private toasts: Toast[] = [];
  private next = 1;
  private timers = new Map<number, ReturnType<typeof setTimeout>>();

  get = (): Toast[] => this.toasts;

  /** Successes go away by themselves; problems stay until dismissed or replaced. */
  push(toast: Omit<Toast, 'id'>): number {
    const id = this.next++;
    // One problem list at a time: a new attempt's answer replaces the last one.
    const kept = toast.kind === 'error' ? this.toasts.filter((t) => t.kind !== 'error') : this.toasts;
    this.toasts = [...kept, { ...toast, id }].slice(-3);
    if (toast.kind !== 'error') this.timers.set(id, setTimeout(() => this.dismiss(id), 6000));
    this.emit();
    return id;
  }

  dismissErrors(): void {
    for (const toast of this.toasts) if (toast.kind === 'error') this.dismiss(toast.id);
  }

  dismiss(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    const next = this.toasts.filter((t) => t.id !== id);
    if (next.length === this.toasts.length) return;
    this.toasts = next;
    this.emit();
  }

  destroy(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
