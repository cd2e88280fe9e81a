import { describe, expect, it } from 'vitest';
import { validate, type DeployableSpec, type RunnableSpec } from '../../../sync';
import { applySuggestion, referenceAt, referenceSuggestions } from './reference-suggestions';

function service(name: string, fields: Partial<RunnableSpec> = {}): RunnableSpec {
  return {
    kind: 'service',
    name,
    source: { type: 'image', image: 'nginx' },
    ports: [],
    variables: {},
    secretNames: [],
    replicas: 1,
    volumes: [],
    ...fields,
  } as RunnableSpec;
}

const spec: DeployableSpec = {
  services: {
    web: service('web', { ports: [{ port: 3000 }], variables: { NODE_ENV: 'production' } }),
    db: service('db', {
      kind: 'database',
      ports: [{ port: 5432 }],
      variables: { POSTGRES_USER: 'postgres', DATABASE_URL: 'postgres://…' },
      secretNames: ['BACKUP_KEY'],
    } as Partial<RunnableSpec>),
    worker: service('worker'),
    data: { kind: 'volume', name: 'data' },
    broken: service('Bad Name'),
  },
  edges: [],
};

describe('referenceAt', () => {
  it('finds an unfinished reference before the caret', () => {
    expect(referenceAt('${{', 3)).toEqual({ start: 0, end: 3, query: '' });
    expect(referenceAt('postgres://${{ db.PO', 20)).toEqual({ start: 11, end: 20, query: 'db.PO' });
  });

  it('ignores a closed reference or plain text', () => {
    expect(referenceAt('${{ db.HOST }} and more', 23)).toBeNull();
    expect(referenceAt('no reference', 5)).toBeNull();
    expect(referenceAt('${{ db host', 11)).toBeNull();
  });

  it('covers the rest of an existing reference when the caret is inside it', () => {
    const value = 'x ${{ db.HO }} y';
    const context = referenceAt(value, 10); // after "db.H"
    expect(context).toEqual({ start: 2, end: 14, query: 'db.H' });
    expect(applySuggestion(value, context!, { label: 'db.HOST' })).toEqual({ value: 'x ${{ db.HOST }} y', caret: 16 });
  });
});

describe('referenceSuggestions', () => {
  it('lists other services first, then the service itself without the variable being edited', () => {
    const labels = referenceSuggestions(spec, 'web', '', 'NODE_ENV').map((s) => s.label);
    expect(labels).toEqual([
      'db.POSTGRES_USER',
      'db.DATABASE_URL',
      'db.BACKUP_KEY',
      'db.HOST',
      'db.PORT',
      'worker.HOST', // no ports, so no PORT
      'web.HOST',
      'web.PORT',
    ]);
  });

  it('leaves out volumes and names a reference cannot address', () => {
    const services = new Set(referenceSuggestions(spec, 'web', '').map((s) => s.service));
    expect(services).toEqual(new Set(['db', 'worker', 'web']));
  });

  it('says what each suggestion is', () => {
    const byLabel = Object.fromEntries(referenceSuggestions(spec, 'web', 'db.').map((s) => [s.label, s.detail]));
    expect(byLabel).toMatchObject({ 'db.DATABASE_URL': 'variable', 'db.BACKUP_KEY': 'secret', 'db.HOST': 'built-in' });
  });

  it('filters case-insensitively, prefix matches first', () => {
    expect(referenceSuggestions(spec, 'web', 'db.p').map((s) => s.label)).toEqual(['db.POSTGRES_USER', 'db.PORT']);
    expect(referenceSuggestions(spec, 'web', 'host').map((s) => s.label)).toEqual([
      'db.HOST',
      'worker.HOST',
      'web.HOST',
    ]);
    expect(referenceSuggestions(spec, 'web', 'url').map((s) => s.label)).toEqual(['db.DATABASE_URL']);
  });

  it('only suggests references that validate accepts', () => {
    for (const s of referenceSuggestions(spec, 'web', '', 'X')) {
      const value = applySuggestion('', { start: 0, end: 0, query: '' }, s).value;
      const next = structuredClone(spec);
      delete next.services.broken;
      const web = next.services.web as RunnableSpec;
      web.variables = { ...web.variables, X: value };
      expect(validate(next).filter((i) => i.path === 'variables.X')).toEqual([]);
    }
  });
});
