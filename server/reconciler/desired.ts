// The desired state of an environment: its deployed commit turned into one
// container spec per service, with references and secrets resolved. Pure.
import { createHmac } from 'node:crypto';
import {
  dependencies,
  deployOrder,
  isRunnable,
  resolveReferences,
  type DeployableSpec,
  type ExtraValues,
  type RunnableSpec,
} from '../../sync';
import { LABELS, type RunSpec } from '../../sync/events';

/** How long a `run` task may wait for a container to become healthy. */
export const DEFAULT_WAIT_HEALTHY_S = 120;

export type DesiredService = {
  serviceId: string;
  name: string;
  replicas: number;
  /** HMAC of the resolved container spec: a different hash means "replace". */
  specHash: string;
  /** The container every replica runs; `name` and per-replica labels are filled in by the planner. */
  template: RunSpec;
  /** What scheduling reserves per replica. */
  request: { cpu: number; memoryMb: number };
  hasHealthcheck: boolean;
  /** The container port the router sends the service's public URL to. */
  publicPort: number | null;
  /** Service ids that should be up before this one starts. */
  dependsOn: string[];
  /** Why it cannot be deployed as committed; its containers are then left alone. */
  error: string | null;
  /** Why it is not planned yet (its image is being built); its containers are left alone. */
  hold?: string | null;
  /** Only these nodes may run it (they have its built image); absent: any node. */
  nodes?: string[];
};

export type DesiredEnvironment = {
  environmentId: string;
  environmentName: string;
  projectId: string;
  projectSlug: string;
  teamId: string;
  network: string;
  commitId: string | null;
  deploymentId: string | null;
  /** In dependency order. */
  services: DesiredService[];
  /** Named volumes the environment's services mount (engine names). */
  volumes: string[];
};

export type DesiredInput = {
  environment: { id: string; name: string };
  project: { id: string; slug: string; teamId: string };
  commit: { id: string; spec: DeployableSpec } | null;
  deploymentId: string | null;
  /** Secret values of the environment, by name. */
  secrets: Record<string, string>;
  /** Keys the spec hash, so a label never lets anyone test guesses of a secret. */
  hashKey: Buffer;
  /** Image per service name that replaces the committed source (an environment's `image_overrides`, e.g. a preview's PR build). */
  imageOverrides?: Record<string, string> | null;
  /** Images built for the deployment's git-sourced services, by service id, with the node that has each. */
  builtImages?: Record<string, { image: string; nodeId: string }>;
};

export const networkName = (environmentId: string) => `containr-${environmentId}`;
export const volumeName = (environmentId: string, name: string) => `containr-${environmentId}-${name}`;

export function buildDesired(input: DesiredInput): DesiredEnvironment {
  const { environment, project, commit } = input;
  const network = networkName(environment.id);
  const base: DesiredEnvironment = {
    environmentId: environment.id,
    environmentName: environment.name,
    projectId: project.id,
    projectSlug: project.slug,
    teamId: project.teamId,
    network,
    commitId: commit?.id ?? null,
    deploymentId: input.deploymentId,
    services: [],
    volumes: [],
  };
  if (!commit) return base;

  const spec = commit.spec;
  const extra: ExtraValues = {};
  for (const node of Object.values(spec.services)) {
    if (!isRunnable(node)) continue;
    extra[node.name] = Object.fromEntries(
      node.secretNames.filter((n) => input.secrets[n] !== undefined).map((n) => [n, input.secrets[n]]),
    );
  }
  const resolved = resolveReferences(spec, extra);
  const problems = new Map<string, string[]>();
  for (const issue of resolved.issues) problems.set(issue.serviceId, [...(problems.get(issue.serviceId) ?? []), issue.message]);
  const deps = dependencies(spec);
  const volumes = new Set<string>();

  for (const id of deployOrder(spec)) {
    const node = resolved.spec.services[id];
    if (!node || !isRunnable(node)) continue;
    const errors = [...(problems.get(id) ?? [])];
    const missing = node.secretNames.filter((n) => input.secrets[n] === undefined);
    if (missing.length) errors.push(`missing secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    // An image override is what runs, whatever the committed source is.
    const override = input.imageOverrides?.[node.name];
    const built = node.source?.type === 'git' && !override ? input.builtImages?.[id] : undefined;
    if (!override && !node.source) errors.push('no source chosen');
    for (const v of node.volumes) volumes.add(volumeName(environment.id, v.name));

    const template = runTemplate(id, node, input, network);
    const publicPort = node.ports.find((p) => p.public)?.port ?? null;
    base.services.push({
      serviceId: id,
      name: node.name,
      replicas: node.replicas,
      specHash: specHash(template, input.hashKey),
      template,
      request: { cpu: node.resources?.cpu ?? 0, memoryMb: node.resources?.memoryMb ?? 0 },
      hasHealthcheck: template.healthcheck !== null,
      publicPort,
      dependsOn: [...(deps.get(id) ?? [])].filter((d) => isRunnableId(spec, d)).sort(),
      error: errors.length ? errors.join('; ') : null,
      hold: node.source?.type === 'git' && !override && !built ? 'waiting for its image to be built' : null,
      ...(built ? { nodes: [built.nodeId] } : {}),
    });
  }
  base.volumes = [...volumes].sort();
  return base;
}

function isRunnableId(spec: DeployableSpec, id: string): boolean {
  const node = spec.services[id];
  return !!node && isRunnable(node);
}

function runTemplate(serviceId: string, node: RunnableSpec, input: DesiredInput, network: string): RunSpec {
  const env: Record<string, string> = { ...node.variables };
  for (const name of node.secretNames) {
    const value = input.secrets[name];
    if (value !== undefined) env[name] = value;
  }
  const hc = node.healthcheck;
  const healthcheck =
    hc && (hc.command?.length || hc.path !== undefined || hc.port !== undefined)
      ? {
          ...(hc.command?.length ? { command: hc.command } : {}),
          ...(hc.path !== undefined ? { path: hc.path } : {}),
          ...(hc.port !== undefined ? { port: hc.port } : {}),
          ...(hc.intervalS !== undefined ? { intervalS: hc.intervalS } : {}),
        }
      : null;
  const resources: RunSpec['resources'] = {};
  if (node.resources?.cpu) resources.cpu = node.resources.cpu;
  if (node.resources?.memoryMb) resources.memoryMb = node.resources.memoryMb;
  return {
    name: '',
    image:
      input.imageOverrides?.[node.name] ||
      (node.source?.type === 'image' ? node.source.image : (input.builtImages?.[serviceId]?.image ?? '')),
    env,
    ...(node.command?.length ? { command: node.command } : {}),
    labels: {
      [LABELS.managed]: 'true',
      [LABELS.project]: input.project.id,
      [LABELS.environment]: input.environment.id,
      [LABELS.service]: serviceId,
    },
    network,
    aliases: [node.name],
    ports: node.ports.map((p) => ({ containerPort: p.port, publish: p.public === true })),
    resources,
    restartPolicy: 'unless-stopped',
    volumes: node.volumes.map((v) => ({ name: volumeName(input.environment.id, v.name), mountPath: v.mountPath })),
    healthcheck,
  };
}

/** What makes two containers interchangeable: everything but names and labels. */
export function specHash(template: RunSpec, key: Buffer): string {
  const { name: _name, labels: _labels, ...rest } = template;
  return createHmac('sha256', key).update(canonicalJson(rest)).digest('hex').slice(0, 16);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Deterministic, so a step re-run after a crash finds the container it made. Unique per engine. */
export function containerName(env: DesiredEnvironment, service: DesiredService, replica: number, nodeId: string): string {
  const node = nodeId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8) || 'node';
  return `${env.projectSlug}-${env.environmentName}-${service.name}-${service.specHash.slice(0, 8)}-${replica}-${node}`;
}
