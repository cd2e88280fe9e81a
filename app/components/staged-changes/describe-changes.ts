/** Field-level changes from sync's `diff`, in words and short values a person can scan. */
import { isRunnable, type FieldChange, type ServiceSpec } from '../../../sync';
import { joinCommand } from '../service-panel/command';

export interface ChangeRow {
  /** The field's path, unique within one service. */
  path: string;
  label: string;
  /** Rows of one group are listed under its heading (the key is the label). */
  group: 'Variables' | null;
  change: 'added' | 'removed' | 'changed';
  /** `null` when the field was absent on that side. */
  before: string | null;
  after: string | null;
}

const LABELS: Record<string, string> = {
  name: 'Name',
  kind: 'Kind',
  preset: 'Preset',
  'source.type': 'Source',
  'source.image': 'Image',
  'source.repo': 'Repository',
  'source.branch': 'Branch',
  'source.path': 'Root directory',
  'source.dockerfile': 'Dockerfile',
  ports: 'Ports',
  secretNames: 'Secrets',
  command: 'Start command',
  replicas: 'Replicas',
  'resources.cpu': 'CPU',
  'resources.memoryMb': 'Memory',
  'healthcheck.path': 'Health check path',
  'healthcheck.port': 'Health check port',
  'healthcheck.command': 'Health check command',
  'healthcheck.intervalS': 'Health check interval',
  volumes: 'Volumes',
  sizeMb: 'Size',
};

/** The order of the panel's sections; fields not listed (from newer clients) come last. */
const ORDER = [
  'name',
  'kind',
  'preset',
  'source',
  'ports',
  'variables',
  'secretNames',
  'command',
  'replicas',
  'resources',
  'healthcheck',
  'volumes',
  'sizeMb',
];

export function describeChanges(changes: readonly FieldChange[]): ChangeRow[] {
  const rows = changes.flatMap(leafChanges).map(toRow);
  const rank = (path: string) => {
    const i = ORDER.indexOf(path.split('.')[0]);
    return i < 0 ? ORDER.length : i;
  };
  return rows.sort((a, b) => rank(a.path) - rank(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `diff` compares objects per key only when both sides are objects; a whole object added or removed is split here too. */
function leafChanges(change: FieldChange): FieldChange[] {
  const { path, before, after } = change;
  if (!isObject(before) && !isObject(after)) return [change];
  const b = isObject(before) ? before : {};
  const a = isObject(after) ? after : {};
  return [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((key) => JSON.stringify(b[key]) !== JSON.stringify(a[key]))
    .flatMap((key) => leafChanges({ path: `${path}.${key}`, before: b[key], after: a[key] }));
}

function toRow({ path, before, after }: FieldChange): ChangeRow {
  const isVariable = path.startsWith('variables.');
  const b = formatValue(path, before);
  const a = formatValue(path, after);
  return {
    path,
    label: isVariable ? path.slice('variables.'.length) : LABELS[path] ?? path,
    group: isVariable ? 'Variables' : null,
    change: b === null ? 'added' : a === null ? 'removed' : 'changed',
    before: b,
    after: a,
  };
}

export function formatValue(path: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (path === 'source.type')
    return value === 'git' ? 'Git repository' : value === 'image' ? 'Docker image' : String(value);
  if (Array.isArray(value)) return formatList(path, value);
  if (typeof value === 'number') {
    if (path === 'resources.memoryMb' || path === 'sizeMb') return `${value} MB`;
    if (path === 'resources.cpu') return `${value} ${value === 1 ? 'core' : 'cores'}`;
    if (path === 'healthcheck.intervalS') return `${value} s`;
    return String(value);
  }
  if (typeof value === 'string') return value === '' ? '(empty)' : value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return JSON.stringify(value);
}

function formatList(path: string, items: unknown[]): string {
  if (items.length === 0) return 'none';
  if (path === 'command' || path === 'healthcheck.command') return joinCommand(items.map(String));
  if (path === 'ports') {
    return items.map((p) => (isObject(p) ? `${String(p.port)}${p.public ? ' (public)' : ''}` : String(p))).join(', ');
  }
  if (path === 'volumes') {
    return items.map((v) => (isObject(v) ? `${String(v.name)} → ${String(v.mountPath)}` : String(v))).join(', ');
  }
  return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ');
}

/** One line about a node that was added or removed: its source, ports and variables. */
export function summarizeNode(node: ServiceSpec): string {
  if (!isRunnable(node)) return node.sizeMb === undefined ? 'Volume' : `Volume · ${node.sizeMb} MB`;
  const parts: string[] = [];
  const { source } = node;
  if (source?.type === 'image') parts.push(source.image || 'no image');
  else if (source?.type === 'git') parts.push(`${source.repo || 'no repository'} @ ${source.branch || '?'}`);
  else parts.push('no source');
  if (node.ports.length) parts.push(`${node.ports.length === 1 ? 'port' : 'ports'} ${formatList('ports', node.ports)}`);
  const vars = Object.keys(node.variables).length;
  if (vars) parts.push(`${vars} ${vars === 1 ? 'variable' : 'variables'}`);
  return parts.join(' · ');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
