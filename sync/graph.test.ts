import { describe, expect, it } from 'vitest';
import { dependencies, deployOrder, findCycles } from './graph';
import { service, specOf } from './test-fixtures';

describe('dependencies', () => {
  it('comes from edges and references, not self references', () => {
    const spec = specOf(
      [service('web', { variables: { A: '${{ api.HOST }}', B: '${{ web.HOST }}' } }), service('api'), service('db')],
      [{ from: 'api', to: 'db' }],
    );
    expect(dependencies(spec)).toEqual(
      new Map([
        ['web', new Set(['api'])],
        ['api', new Set(['db'])],
        ['db', new Set()],
      ]),
    );
  });
});

describe('findCycles', () => {
  it('finds each strongly connected loop', () => {
    const deps = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['a'])],
      ['c', new Set(['c'])],
      ['d', new Set(['a'])],
    ]);
    expect(findCycles(deps).map((c) => c.sort())).toEqual([['a', 'b'], ['c']]);
  });
});

describe('deployOrder', () => {
  it('puts dependencies first', () => {
    const spec = specOf([service('web'), service('api'), service('db')], [
      { from: 'web', to: 'api' },
      { from: 'api', to: 'db' },
    ]);
    expect(deployOrder(spec)).toEqual(['db', 'api', 'web']);
  });
});
