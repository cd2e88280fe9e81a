/**
 * The rules a spec must pass before it is committed, beyond the schema's shapes. Every
 * problem is reported (not just the first) so the canvas can mark all of them at once.
 */
import { dependencies, findCycles } from './graph';
import type { Issue } from './issue';
import { findReferences, hasMalformedReference, referenceableVariables, runnablesByName } from './references';
import { isRunnable } from './schema';
import type { DeployableSpec, RunnableSpec } from './spec';

export const LIMITS = { maxReplicas: 20, minMemoryMb: 6, maxNameLength: 63 } as const;

/** A DNS label: services reach each other by name on the environment network. */
const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Report = (path: string, message: string) => void;
type ByName = ReturnType<typeof runnablesByName>;

export function validate(spec: DeployableSpec): Issue[] {
  const issues: Issue[] = [];
  const reporter =
    (serviceId: string): Report =>
    (path, message) =>
      issues.push({ serviceId, path, message });

  const nameCounts = new Map<string, number>();
  for (const node of Object.values(spec.services)) nameCounts.set(node.name, (nameCounts.get(node.name) ?? 0) + 1);

  const byName = runnablesByName(spec);
  for (const [id, node] of Object.entries(spec.services)) {
    const report = reporter(id);
    checkName(node.name, report);
    if ((nameCounts.get(node.name) ?? 0) > 1) report('name', `another node is also named "${node.name}"`);
    if (isRunnable(node)) checkRunnable(node, byName, report);
    else if (node.sizeMb !== undefined && !(Number.isInteger(node.sizeMb) && node.sizeMb > 0)) {
      report('sizeMb', 'size must be a whole number of MB above 0');
    }
  }
  checkEdges(spec, reporter);
  checkCycles(spec, reporter);
  return issues;
}

function checkName(name: string, report: Report): void {
  if (name.length === 0) report('name', 'a name is required');
  else if (name.length > LIMITS.maxNameLength) report('name', `a name has at most ${LIMITS.maxNameLength} characters`);
  else if (!DNS_LABEL.test(name)) {
    report('name', 'use lowercase letters, digits and "-", starting with a letter and not ending with "-"');
  }
}

function checkRunnable(service: RunnableSpec, byName: ByName, report: Report): void {
  checkSource(service, report);
  checkPorts(service, report);
  checkVariables(service, byName, report);
  if (!Number.isInteger(service.replicas) || service.replicas < 0 || service.replicas > LIMITS.maxReplicas) {
    report('replicas', `replicas must be a whole number from 0 to ${LIMITS.maxReplicas}`);
  }
  const { cpu, memoryMb } = service.resources ?? {};
  if (cpu !== undefined && !(cpu > 0)) report('resources.cpu', 'cpu must be above 0');
  if (memoryMb !== undefined && !(memoryMb >= LIMITS.minMemoryMb)) {
    report('resources.memoryMb', `memory must be at least ${LIMITS.minMemoryMb} MB`);
  }
  const { port, intervalS } = service.healthcheck ?? {};
  if (port !== undefined && !isPort(port)) report('healthcheck.port', 'port must be a whole number from 1 to 65535');
  if (intervalS !== undefined && !(intervalS > 0)) report('healthcheck.intervalS', 'interval must be above 0');
  service.volumes.forEach((volume, i) => {
    if (volume.name.length === 0) report(`volumes.${i}.name`, 'a volume name is required');
    if (!volume.mountPath.startsWith('/')) report(`volumes.${i}.mountPath`, 'the mount path must be absolute');
  });
}

function checkSource({ source }: RunnableSpec, report: Report): void {
  if (!source) return report('source', 'choose an image or a git repository');
  if (source.type === 'image') {
    if (source.image.trim() === '') report('source.image', 'an image is required');
    return;
  }
  if (source.repo.trim() === '') report('source.repo', 'a repository is required');
  else if (!GIT_URL.test(source.repo) || /[\s\0]/.test(source.repo)) {
    report('source.repo', 'use an https://, ssh://, git@host:path or file:// URL, or an absolute path');
  }
  if (source.branch.trim() === '') report('source.branch', 'a branch is required');
  else if (!GIT_REF.test(source.branch)) report('source.branch', 'not a valid branch or tag name');
  if (source.path !== undefined && source.path !== '' && source.path !== '.' && !isRepoPath(source.path)) {
    report('source.path', 'a relative path inside the repository, without ..');
  }
  if (source.dockerfile !== undefined && source.dockerfile !== '' && !isRepoPath(source.dockerfile)) {
    report('source.dockerfile', 'a relative path inside the repository, without ..');
  }
  if (source.commit !== undefined && !COMMIT_SHA.test(source.commit)) report('source.commit', 'a commit sha: 7 to 64 hex digits');
  if (source.credentials !== undefined && !ENV_NAME.test(source.credentials)) {
    report('source.credentials', 'the name of a secret: letters, digits and "_", not starting with a digit');
  }
}

/** What a build can clone (never an option-like `-…` or a transport such as `ext::`). */
const GIT_URL = /^(https?:\/\/|ssh:\/\/|file:\/\/|\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)/;
const GIT_REF = /^[^-\s~^:?*[\\][^\s~^:?*[\\]*$/;
const COMMIT_SHA = /^[0-9a-f]{7,64}$/;

function isRepoPath(path: string): boolean {
  return path.length <= 512 && !path.startsWith('/') && !path.includes('\\') && !path.split('/').includes('..');
}

function checkPorts({ ports }: RunnableSpec, report: Report): void {
  const seen = new Set<number>();
  let publicSeen = false;
  ports.forEach(({ port, public: isPublic }, i) => {
    if (!isPort(port)) report(`ports.${i}.port`, 'port must be a whole number from 1 to 65535');
    else if (seen.has(port)) report(`ports.${i}.port`, `port ${port} is listed twice`);
    seen.add(port);
    if (isPublic && publicSeen) report(`ports.${i}.public`, 'only one port can be public');
    publicSeen ||= isPublic === true;
  });
}

function checkVariables(service: RunnableSpec, byName: ByName, report: Report): void {
  for (const [name, value] of Object.entries(service.variables)) {
    const path = `variables.${name}`;
    if (!ENV_NAME.test(name)) report(path, 'use letters, digits and "_", not starting with a digit');
    if (hasMalformedReference(value)) report(path, 'write a reference as ${{ service.VARIABLE }}');
    for (const ref of findReferences(value)) {
      const target = byName.get(ref.service)?.service;
      if (!target) report(path, `${ref.text}: no service named "${ref.service}"`);
      else if (!referenceableVariables(target).has(ref.variable)) {
        report(path, `${ref.text}: "${ref.service}" has no variable ${ref.variable}`);
      }
    }
  }
  service.secretNames.forEach((name, i) => {
    if (!ENV_NAME.test(name)) report(`secretNames.${i}`, 'use letters, digits and "_", not starting with a digit');
  });
}

/** `toSpec` drops edges to removed nodes, so a missing end here means an invalid node. */
function checkEdges(spec: DeployableSpec, reporter: (id: string) => Report): void {
  for (const { from, to } of spec.edges) {
    if (!spec.services[from] && spec.services[to]) reporter(to)('edges', 'connected to a missing or invalid node');
    if (spec.services[from] && !spec.services[to]) reporter(from)('edges', 'connected to a missing or invalid node');
  }
}

function checkCycles(spec: DeployableSpec, reporter: (id: string) => Report): void {
  for (const cycle of findCycles(dependencies(spec))) {
    // A strongly connected component, not one path through it, so the names are listed.
    const names = cycle.map((id) => spec.services[id]?.name ?? id).join(', ');
    for (const id of cycle) reporter(id)('dependencies', `part of a dependency cycle: ${names}`);
  }
}

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}
