/**
 * Everything the canvas needs for deploying one environment: the latest commit's spec as
 * the staged-changes baseline, live service status and deployment progress over `/live`,
 * the server's commit problems per node, and toasts. One per open canvas.
 */
import type * as Y from 'yjs';
import { ROOT, type DeployableSpec } from '../../../sync';
import { AlertsStore } from '../alerts/store';
import { Emitter, type Readable } from '../canvas/store';
import { ApiError, deployApi, describeError, isActive, type CommitIssue } from './api';
import { connectLive, type LiveConnection, type LiveHandlers, type LiveState } from './live';
import { BaselineStore, DeploymentsStore, IssuesStore, StatusStore, ToastStore } from './stores';
import { TelemetryStore } from './telemetry';

/** What the controller needs of the canvas's graph store. */
export interface GraphPort {
  setBaseline(spec: DeployableSpec): void;
  view(id: string): { name: string } | undefined;
}

class Value<T> extends Emitter implements Readable<T> {
  constructor(private value: T) {
    super();
  }
  get = (): T => this.value;
  set(value: T): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    this.emit();
  }
}

export class DeployController {
  readonly status = new StatusStore();
  /** Live metrics and log lines (share links get them too). */
  readonly telemetry = new TelemetryStore();
  /** Open alerts of the environment (the cards turn red), from `/live`. */
  readonly alerts = new AlertsStore();
  readonly deployments = new DeploymentsStore();
  readonly issues = new IssuesStore();
  readonly baseline = new BaselineStore();
  readonly toasts = new ToastStore();
  readonly liveState = new Value<LiveState>('connecting');
  /** Whether the deployment drawer is open. */
  readonly drawerOpen = new Value(false);
  /** Opened by a commit rather than by the user: it closes itself once the deployment succeeded. */
  drawerAuto = false;
  /** A commit request is on its way. */
  readonly busy = new Value(false);

  private live: LiveConnection | null = null;
  private abort: AbortController | null = null;
  private fetching = new Set<string>();
  private readonly services: Y.Map<unknown>;

  constructor(
    readonly environmentId: string,
    private readonly doc: Y.Doc,
    private readonly graph: GraphPort,
    /** A share link's token: live status and telemetry only (the API and deployment steps are the team's). */
    readonly shareToken?: string,
  ) {
    this.services = doc.getMap<unknown>(ROOT.services);
  }

  /** Connects and loads; safe to call again after `stop`. */
  start(): void {
    if (this.live) return;
    this.abort = new AbortController();
    if (this.shareToken) {
      this.live = connectLive(
        this.environmentId,
        {
          state: (state) => this.liveState.set(state),
          status: (message) => this.status.apply(message.services),
          ...this.telemetryHandlers(),
        },
        { token: this.shareToken },
      );
      return;
    }
    this.services.observeDeep(this.onEdit);
    this.live = connectLive(this.environmentId, {
      state: (state) => this.liveState.set(state),
      status: (message) => this.status.apply(message.services),
      deployment: (message) => {
        const { event } = message;
        if (event?.type === 'build.log' && event.serviceId) {
          const { id: eventId, serviceId, deploymentId, message: text } = event;
          this.telemetry.applyBuildLine({ eventId, serviceId, deploymentId, text, ts: new Date(event.createdAt).getTime() });
        }
        if (this.deployments.receive(message) && message.deploymentId) this.fetchDeployment(message.deploymentId, true);
      },
      alerts: (message, snapshot) => this.alerts.apply(message, snapshot),
      ...this.telemetryHandlers(),
    });
    void this.refreshBaseline();
    void this.loadLatestDeployment();
  }

  private telemetryHandlers(): Pick<LiveHandlers, 'metrics' | 'logs' | 'events'> {
    return {
      metrics: (message) => this.telemetry.applyMetrics(message),
      logs: (message) => this.telemetry.applyLogs(message),
      events: (message) => this.telemetry.applyEvents(message),
    };
  }

  stop(): void {
    if (!this.live) return;
    this.live.close();
    this.live = null;
    this.abort?.abort();
    this.abort = null;
    if (!this.shareToken) this.services.unobserveDeep(this.onEdit);
  }

  destroy(): void {
    this.stop();
    this.toasts.destroy();
  }

  serviceName(serviceId: string): string {
    return this.graph.view(serviceId)?.name || this.baseline.get().spec.services[serviceId]?.name || 'A service';
  }

  /** Commits what the canvas holds now and (unless `deploy` is false) deploys it. Resolves true on success. */
  async commit(input: { message: string; deploy: boolean }): Promise<boolean> {
    if (this.busy.get()) return false;
    this.busy.set(true);
    try {
      const message = input.message.trim();
      const result = await deployApi.commit(this.environmentId, { deploy: input.deploy, ...(message ? { message } : {}) });
      this.issues.clear();
      this.toasts.dismissErrors();
      const { commit, deployment } = result;
      if (deployment) {
        this.deployments.show({ ...deployment, events: [] });
        if (!this.drawerOpen.get()) this.drawerAuto = true;
        this.drawerOpen.set(true);
      }
      this.toasts.push({
        kind: 'success',
        title: deployment ? `Commit #${commit.number} created, deploying` : `Commit #${commit.number} created`,
        lines: deployment ? undefined : ['Not deployed: deploy it from the history page when you are ready.'],
      });
      await this.loadBaseline(commit.id);
      return true;
    } catch (error) {
      this.reportCommitError(error);
      return false;
    } finally {
      this.busy.set(false);
    }
  }

  async cancel(deploymentId: string): Promise<void> {
    try {
      const { deployment } = await deployApi.cancel(deploymentId);
      this.deployments.show(deployment);
      this.toasts.push({ kind: 'info', title: `Deployment of #${deployment.commitNumber ?? '?'} cancelled` });
    } catch (error) {
      this.toasts.push({ kind: 'error', title: 'Could not cancel the deployment', lines: [describeError(error)] });
      // It may have ended meanwhile: show what it is now.
      this.fetchDeployment(deploymentId, false);
    }
  }

  private reportCommitError(error: unknown): void {
    if (error instanceof ApiError && error.status === 422 && error.issues.length) {
      const byService = new Map<string, string[]>();
      const general: string[] = [];
      const lines: string[] = [];
      for (const issue of error.issues) {
        const text = describeIssue(issue);
        if (issue.serviceId) {
          byService.set(issue.serviceId, [...(byService.get(issue.serviceId) ?? []), text]);
          lines.push(`${this.serviceName(issue.serviceId)}: ${text}`);
        } else {
          general.push(text);
          lines.push(text);
        }
      }
      this.issues.set(byService, general);
      const n = error.issues.length;
      this.toasts.push({ kind: 'error', title: `Nothing was deployed: ${n} ${n === 1 ? 'problem' : 'problems'} to fix`, lines });
      return;
    }
    this.toasts.push({ kind: 'error', title: 'Nothing was deployed', lines: [describeError(error)] });
  }

  private async refreshBaseline(): Promise<void> {
    try {
      const { commits } = await deployApi.commits(this.environmentId, 1);
      if (!this.abort) return;
      const latest = commits[0];
      if (latest) await this.loadBaseline(latest.id);
      else this.setBaseline({ spec: this.baseline.get().spec, commit: null, loaded: true });
    } catch (error) {
      if (this.abort) this.toasts.push({ kind: 'error', title: 'Could not load the last commit', lines: [describeError(error)] });
    }
  }

  private async loadBaseline(commitId: string): Promise<void> {
    const current = this.baseline.get().commit;
    if (current?.id === commitId) return;
    const { commit } = await deployApi.commitWithSpec(commitId);
    if (!this.abort || !commit.spec) return;
    // Another commit may have landed first; keep the newest.
    const now = this.baseline.get().commit;
    if (now && now.number > commit.number) return;
    this.setBaseline({ spec: commit.spec, commit: { id: commit.id, number: commit.number }, loaded: true });
  }

  private setBaseline(state: Parameters<BaselineStore['set']>[0]): void {
    this.baseline.set(state);
    this.graph.setBaseline(state.spec);
  }

  private async loadLatestDeployment(): Promise<void> {
    try {
      const { deployments } = await deployApi.deployments(this.environmentId, 1);
      if (!this.abort) return;
      if (deployments[0]) this.fetchDeployment(deployments[0].id, false);
      else this.deployments.markLoaded();
    } catch (error) {
      this.deployments.markLoaded();
      if (this.abort) this.toasts.push({ kind: 'error', title: 'Could not load the deployments', lines: [describeError(error)] });
    }
  }

  /** Fetches a deployment with its events; `fromPeer`: someone else committed, so the baseline moved. */
  private fetchDeployment(deploymentId: string, fromPeer: boolean): void {
    if (this.fetching.has(deploymentId)) return;
    this.fetching.add(deploymentId);
    void deployApi
      .deployment(deploymentId)
      .then(({ deployment }) => {
        if (!this.abort) return;
        this.deployments.show(deployment);
        if (fromPeer && isActive(deployment.status)) void this.refreshBaseline();
      })
      .catch((error: unknown) => {
        if (this.abort) console.error('could not load deployment', deploymentId, error);
      })
      .finally(() => this.fetching.delete(deploymentId));
  }

  /** Editing a node makes the server's verdict on it stale. Moving it does not. */
  private onEdit = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    if (this.issues.count() === 0) return;
    for (const event of events) {
      if (event.target === this.services) {
        for (const key of event.changes.keys.keys()) this.issues.clear(key);
        continue;
      }
      const id = event.path[0];
      if (typeof id !== 'string') continue;
      const layoutOnly = event.path.length === 1 && [...event.changes.keys.keys()].every((key) => key === 'position');
      if (!layoutOnly) this.issues.clear(id);
    }
  };
}

function describeIssue(issue: CommitIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

