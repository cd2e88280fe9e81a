import { describe, expect, it } from 'vitest';
import { diff, type DeployableSpec, type RunnableSpec } from '../../../sync';
import { describeChanges, formatValue, summarizeNode } from './describe-changes';

function service(name: string, fields: Partial<RunnableSpec> = {}): RunnableSpec {
  return {
    kind: 'service',
    name,
    source: { type: 'image', image: 'nginx:1.27' },
    ports: [],
    variables: {},
    secretNames: [],
    replicas: 1,
    volumes: [],
    ...fields,
  } as RunnableSpec;
}

const spec = (node: RunnableSpec): DeployableSpec => ({ services: { s: node }, edges: [] });
const changesOf = (before: RunnableSpec, after: RunnableSpec) =>
  describeChanges(diff(spec(before), spec(after)).changed[0].changes);

describe('describeChanges', () => {
  it('labels fields and formats before and after', () => {
    const rows = changesOf(
      service('web', { ports: [{ port: 80 }], command: ['node', 'server.js'] }),
      service('web', {
        source: { type: 'image', image: 'nginx:1.28' },
        ports: [{ port: 80, public: true }, { port: 9090 }],
        command: ['sh', '-c', 'node server.js && sleep 1'],
        replicas: 3,
      }),
    );
    expect(rows).toEqual([
      {
        path: 'source.image',
        label: 'Image',
        group: null,
        change: 'changed',
        before: 'nginx:1.27',
        after: 'nginx:1.28',
      },
      { path: 'ports', label: 'Ports', group: null, change: 'changed', before: '80', after: '80 (public), 9090' },
      {
        path: 'command',
        label: 'Start command',
        group: null,
        change: 'changed',
        before: 'node server.js',
        after: "sh -c 'node server.js && sleep 1'",
      },
      { path: 'replicas', label: 'Replicas', group: null, change: 'changed', before: '1', after: '3' },
    ]);
  });

  it('lists variables per key, as added, removed or changed', () => {
    const rows = changesOf(
      service('web', { variables: { KEEP: '1', OLD: 'x', NODE_ENV: 'development' } }),
      service('web', { variables: { KEEP: '1', NODE_ENV: 'production', DATABASE_URL: '${{ db.DATABASE_URL }}' } }),
    );
    expect(rows.map((r) => [r.group, r.label, r.change, r.before, r.after])).toEqual([
      ['Variables', 'DATABASE_URL', 'added', null, '${{ db.DATABASE_URL }}'],
      ['Variables', 'NODE_ENV', 'changed', 'development', 'production'],
      ['Variables', 'OLD', 'removed', 'x', null],
    ]);
  });

  it('splits a whole object added or removed into its fields, with units', () => {
    const rows = changesOf(
      service('web', { healthcheck: { path: '/healthz' } }),
      service('web', { resources: { cpu: 0.5, memoryMb: 512 } }),
    );
    expect(rows.map((r) => [r.label, r.before, r.after])).toEqual([
      ['CPU', null, '0.5 cores'],
      ['Memory', null, '512 MB'],
      ['Health check path', '/healthz', null],
    ]);
  });

  it('describes a change of source type field by field', () => {
    const rows = changesOf(
      service('web'),
      service('web', { source: { type: 'git', repo: 'github.com/acme/web', branch: 'main' } }),
    );
    expect(rows.map((r) => [r.label, r.before, r.after])).toEqual([
      ['Branch', null, 'main'],
      ['Image', 'nginx:1.27', null],
      ['Repository', null, 'github.com/acme/web'],
      ['Source', 'Docker image', 'Git repository'],
    ]);
  });
});

describe('formatValue', () => {
  it('shows empty and absent values distinctly', () => {
    expect(formatValue('source.image', '')).toBe('(empty)');
    expect(formatValue('command', undefined)).toBeNull();
    expect(formatValue('secretNames', [])).toBe('none');
    expect(formatValue('volumes', [{ name: 'data', mountPath: '/data' }])).toBe('data → /data');
    expect(formatValue('futureField', { a: 1 })).toBe('{"a":1}');
  });
});

describe('summarizeNode', () => {
  it('gives the source, ports and variable count', () => {
    expect(
      summarizeNode(
        service('db', {
          source: { type: 'image', image: 'postgres:16' },
          ports: [{ port: 5432 }],
          variables: { A: '1', B: '2' },
        }),
      ),
    ).toBe('postgres:16 · port 5432 · 2 variables');
    expect(
      summarizeNode(service('web', { source: { type: 'git', repo: 'github.com/acme/web', branch: 'main' } })),
    ).toBe('github.com/acme/web @ main');
    expect(summarizeNode({ kind: 'volume', name: 'data', sizeMb: 1024 })).toBe('Volume · 1024 MB');
  });
});
