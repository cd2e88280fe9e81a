import { describe, expect, it } from 'vitest';
import { findReferences, hasMalformedReference, renameReferences, resolveReferences } from './references';
import type { RunnableSpec } from './spec';
import { service, specOf } from './test-fixtures';

const db = service('db', {
  ports: [{ port: 5432 }, { port: 9187 }],
  variables: { USER: 'app', URL: 'pg://${{ db.USER }}:${{ db.PASSWORD }}@${{ db.HOST }}:${{ db.PORT }}' },
  secretNames: ['PASSWORD'],
});

function variablesOf(spec: ReturnType<typeof resolveReferences>['spec'], id: string) {
  return (spec.services[id] as RunnableSpec).variables;
}

describe('findReferences', () => {
  it('finds each reference, with or without spaces', () => {
    expect(findReferences('${{db.A}}-${{  web-1.B_2  }}')).toEqual([
      { service: 'db', variable: 'A', text: '${{db.A}}' },
      { service: 'web-1', variable: 'B_2', text: '${{  web-1.B_2  }}' },
    ]);
  });

  it('tells malformed references apart', () => {
    expect(hasMalformedReference('a ${{ db.A }} b')).toBe(false);
    expect(hasMalformedReference('${{ db }}')).toBe(true);
    expect(hasMalformedReference('plain $ {{ text }}')).toBe(false);
  });

  it('renames references to one service only', () => {
    expect(renameReferences('${{db.A}} ${{ dbx.A }}', 'db', 'main')).toBe('${{ main.A }} ${{ dbx.A }}');
  });
});

describe('resolveReferences', () => {
  it('substitutes declared variables (recursively), built-ins and supplied values', () => {
    const api = service('api', { variables: { DATABASE_URL: '${{ db.URL }}', PLAIN: 'x' } });
    const { spec, issues } = resolveReferences(specOf([db, api]), { db: { PASSWORD: 's3cret' } });
    expect(issues).toEqual([]);
    expect(variablesOf(spec, 'api')).toEqual({ DATABASE_URL: 'pg://app:s3cret@db:5432', PLAIN: 'x' });
    expect(variablesOf(spec, 'db').URL).toBe('pg://app:s3cret@db:5432');
  });

  it('prefers supplied values over built-ins', () => {
    const api = service('api', { variables: { H: '${{ db.HOST }}' } });
    const { spec } = resolveReferences(specOf([db, api]), { db: { HOST: 'prod-db-1', PASSWORD: 'p' } });
    expect(variablesOf(spec, 'api').H).toBe('prod-db-1');
  });

  it('leaves unresolved references in place and reports them', () => {
    const api = service('api', { variables: { URL: '${{ db.URL }}', X: '${{ nope.A }}' } });
    const { spec, issues } = resolveReferences(specOf([db, api]));
    expect(variablesOf(spec, 'api').URL).toBe('${{ db.URL }}');
    expect(issues.map((i) => `${i.serviceId}:${i.path}`)).toEqual(['db:variables.URL', 'api:variables.URL', 'api:variables.X']);
    expect(issues[0].message).toContain('no value supplied for secret PASSWORD');
  });

  it('stops at reference loops', () => {
    const loop = service('loop', { variables: { A: '${{ loop.B }}', B: '${{ loop.A }}' } });
    const { issues } = resolveReferences(specOf([loop]));
    expect(issues.map((i) => i.path)).toEqual(['variables.A', 'variables.B']);
  });

  it('does not change the input', () => {
    const input = specOf([db]);
    const before = structuredClone(input);
    resolveReferences(input, { db: { PASSWORD: 'p' } });
    expect(input).toEqual(before);
  });
});
