// One typed executor per step kind. Each dispatches hub tasks and reports
// what it did; a failure throws StepError with the agent's message.
import { LABELS, type TaskSpec } from '../../sync/events';
import type { DesiredEnvironment } from './desired';
import type { Step } from './plan';
import { newId } from '../ids';
import type { HubPort } from './ports';

export class StepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepError';
  }
}

export type StepContext = {
  hub: HubPort;
  desired: DesiredEnvironment;
  routes: {
    pin(environmentId: string, serviceId: string, specHash: string): void;
    drain(containerId: string): Promise<void>;
  };
  progress(step: Step, message: string): void;
  /** Networks ensured in this pass, by node: one `ensure-network` per node per pass. */
  networks: Map<string, Promise<void>>;
  stopTimeoutS: number;
};

/** What the inventory should show once a step's effect is reported. */
export type Expectation = { nodeId: string; name: string; present: boolean };

type Executor<K extends Step['kind']> = (step: Extract<Step, { kind: K }>, ctx: StepContext) => Promise<Expectation | null>;

async function task(ctx: StepContext, nodeId: string, spec: TaskSpec, step: Step): Promise<void> {
  const result = await ctx.hub.dispatch(nodeId, { id: newId(), spec }, (message) => ctx.progress(step, message));
  if (!result.ok) throw new StepError(result.error);
}

function ensureNetwork(ctx: StepContext, nodeId: string, step: Step): Promise<void> {
  let ensured = ctx.networks.get(nodeId);
  if (!ensured) {
    const { desired } = ctx;
    ensured = task(
      ctx,
      nodeId,
      {
        kind: 'ensure-network',
        network: desired.network,
        labels: { [LABELS.managed]: 'true', [LABELS.project]: desired.projectId, [LABELS.environment]: desired.environmentId },
      },
      step,
    );
    // A failed attempt is retried by the next step that needs the network.
    ensured.catch(() => ctx.networks.delete(nodeId));
    ctx.networks.set(nodeId, ensured);
  }
  return ensured;
}

export const executors: { [K in Step['kind']]: Executor<K> } = {
  async run(step, ctx) {
    await ensureNetwork(ctx, step.nodeId, step);
    try {
      await task(ctx, step.nodeId, { kind: 'run', container: step.container, waitHealthyS: step.waitHealthyS }, step);
    } catch (error) {
      // Leave no half-started container behind: the retry starts clean, and the old one keeps serving.
      await ctx.hub.dispatch(step.nodeId, { id: newId(), spec: { kind: 'remove', name: step.container.name } }).catch(() => undefined);
      throw error;
    }
    return { nodeId: step.nodeId, name: step.container.name, present: true };
  },

  async 'switch-route'(step, ctx) {
    ctx.routes.pin(ctx.desired.environmentId, step.serviceId, step.specHash);
    return null;
  },

  async remove(step, ctx) {
    await ctx.routes.drain(step.containerId);
    await task(ctx, step.nodeId, { kind: 'stop', name: step.name, timeoutS: ctx.stopTimeoutS }, step);
    await task(ctx, step.nodeId, { kind: 'remove', name: step.name }, step);
    return { nodeId: step.nodeId, name: step.name, present: false };
  },

  async wait() {
    return null;
  },

  async fail(step) {
    throw new StepError(step.reason);
  },
};

export function execute(step: Step, ctx: StepContext): Promise<Expectation | null> {
  return (executors[step.kind] as Executor<Step['kind']>)(step, ctx);
}

/** A one-line description of a step for the deployment's event log. */
export function describe(step: Step, serviceName: (id: string | null) => string): string {
  switch (step.kind) {
    case 'run':
      return `start ${serviceName(step.serviceId)} replica ${step.replica} on node ${step.nodeId} (${step.container.name})`;
    case 'switch-route':
      return `route ${serviceName(step.serviceId)} to the new containers`;
    case 'remove':
      return `remove ${step.name} (${step.reason.replace('-', ' ')})`;
    case 'wait':
      return `${serviceName(step.serviceId)}: ${step.reason}`;
    case 'fail':
      return `${serviceName(step.serviceId)}: ${step.reason}`;
  }
}
