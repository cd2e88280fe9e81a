import { describe, expect, it } from 'vitest';
import type { DeployableSpec } from './spec';
import { service, specOf } from './test-fixtures';
import { validate } from './validate';

/** The `serviceId:path` of each issue, which is what the canvas marks. */
function marks(spec: DeployableSpec): string[] {
  return validate(spec).map((i) => `${i.serviceId}:${i.path}`);
}

describe('validate', () => {
  it('passes a valid spec', () => {
    const spec = specOf([
      service('web', {
        ports: [{ port: 80, public: true }, { port: 9090 }],
        variables: { API: 'http://${{ api.HOST }}:${{ api.PORT }}', TOKEN: '${{ api.TOKEN }}' },
        replicas: 0,
        resources: { cpu: 0.5, memoryMb: 6 },
        healthcheck: { path: '/health', port: 80, intervalS: 5 },
        volumes: [{ name: 'cache', mountPath: '/cache' }],
      }),
      service('api', {
        source: { type: 'git', repo: 'https://example.com/api.git', branch: 'main' },
        ports: [{ port: 3000 }],
        secretNames: ['TOKEN'],
        replicas: 20,
      }),
      { kind: 'volume', name: 'cache', sizeMb: 100 },
    ], [{ from: 'web', to: 'api' }]);
    expect(validate(spec)).toEqual([]);
  });

  describe('name', () => {
    it.each(['a', 'api-2', 'a'.repeat(63)])('accepts %s', (name) => {
      expect(marks(specOf([service(name)]))).toEqual([]);
    });

    it.each(['', 'Api', '2api', 'api-', 'my_api', 'a.b', 'a'.repeat(64)])('rejects "%s"', (name) => {
      expect(validate({ services: { s: service(name) }, edges: [] })).toMatchObject([{ serviceId: 's', path: 'name' }]);
    });

    it('must be unique across nodes', () => {
      const spec = { services: { s1: service('api'), s2: service('api'), v: { kind: 'volume', name: 'api' } as const }, edges: [] };
      expect(marks(spec)).toEqual(['s1:name', 's2:name', 'v:name']);
    });
  });

  describe('ports', () => {
    it('are whole numbers from 1 to 65535', () => {
      const spec = specOf([service('api', { ports: [{ port: 0 }, { port: 65536 }, { port: 80.5 }, { port: 1 }, { port: 65535 }] })]);
      expect(marks(spec)).toEqual(['api:ports.0.port', 'api:ports.1.port', 'api:ports.2.port']);
    });

    it('are unique per service', () => {
      const spec = specOf([service('api', { ports: [{ port: 80 }, { port: 80 }] }), service('web', { ports: [{ port: 80 }] })]);
      expect(marks(spec)).toEqual(['api:ports.1.port']);
    });

    it('have at most one public', () => {
      const spec = specOf([service('api', { ports: [{ port: 80, public: true }, { port: 81, public: false }, { port: 82, public: true }] })]);
      expect(marks(spec)).toEqual(['api:ports.2.public']);
    });
  });

  describe('references', () => {
    const db = service('db', { ports: [{ port: 5432 }], variables: { USER: 'app' }, secretNames: ['PASSWORD'] });

    it('resolve to declared variables, secrets and HOST/PORT', () => {
      const api = service('api', { variables: { URL: '${{db.USER}}:${{ db.PASSWORD }}@${{ db.HOST }}:${{ db.PORT }}' } });
      expect(marks(specOf([db, api]))).toEqual([]);
    });

    it('need an existing service', () => {
      const api = service('api', { variables: { URL: '${{ nope.HOST }}' } });
      expect(validate(specOf([db, api]))).toEqual([
        { serviceId: 'api', path: 'variables.URL', message: '${{ nope.HOST }}: no service named "nope"' },
      ]);
    });

    it('need a variable the service provides', () => {
      const api = service('api', { variables: { A: '${{ db.MISSING }}', B: '${{ api.PORT }}' } });
      expect(marks(specOf([db, api]))).toEqual(['api:variables.A', 'api:variables.B']);
    });

    it('cannot point at a volume', () => {
      const api = service('api', { variables: { A: '${{ data.HOST }}' } });
      expect(marks(specOf([api, { kind: 'volume', name: 'data' }]))).toEqual(['api:variables.A']);
    });

    it('must be well formed', () => {
      const api = service('api', { variables: { A: '${{ db }}', B: '${{ db.USER }' } });
      expect(marks(specOf([db, api]))).toEqual(['api:variables.A', 'api:variables.B']);
    });
  });

  it('checks variable and secret names', () => {
    const spec = specOf([service('api', { variables: { '1BAD': 'x', 'OK_1': 'y' }, secretNames: ['GOOD', 'bad-name'] })]);
    expect(marks(spec)).toEqual(['api:variables.1BAD', 'api:secretNames.1']);
  });

  describe('dependency cycles', () => {
    it('are reported on each service in the cycle, from edges and references', () => {
      const spec = specOf(
        [
          service('a', { variables: { X: '${{ b.HOST }}' } }),
          service('b'),
          service('c'),
          service('d'),
        ],
        [{ from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'd', to: 'a' }],
      );
      expect(marks(spec).sort()).toEqual(['a:dependencies', 'b:dependencies', 'c:dependencies']);
      expect(validate(spec)[0].message).toMatch(/cycle: .*a/);
    });

    it('allow a service to reference its own variables', () => {
      const spec = specOf([service('db', { ports: [{ port: 1 }], variables: { U: 'u', URL: '${{ db.U }}@${{ db.PORT }}' } })]);
      expect(marks(spec)).toEqual([]);
    });

    it('catch an edge to itself', () => {
      expect(marks(specOf([service('a')], [{ from: 'a', to: 'a' }]))).toEqual(['a:dependencies']);
    });

    it('do not flag a diamond', () => {
      const spec = specOf([service('a'), service('b'), service('c'), service('d')], [
        { from: 'a', to: 'b' }, { from: 'a', to: 'c' }, { from: 'b', to: 'd' }, { from: 'c', to: 'd' },
      ]);
      expect(marks(spec)).toEqual([]);
    });
  });

  it('reports edges to a node missing from the spec', () => {
    expect(marks(specOf([service('a')], [{ from: 'a', to: 'invalid' }, { from: 'gone', to: 'a' }]))).toEqual(['a:edges', 'a:edges']);
  });

  describe('source', () => {
    it('is required', () => {
      expect(marks(specOf([service('api', { source: undefined })]))).toEqual(['api:source']);
    });

    it('needs a non-empty image', () => {
      expect(marks(specOf([service('api', { source: { type: 'image', image: ' ' } })]))).toEqual(['api:source.image']);
    });

    it('needs a repo and a branch', () => {
      const spec = specOf([service('api', { source: { type: 'git', repo: '', branch: '' } })]);
      expect(marks(spec)).toEqual(['api:source.repo', 'api:source.branch']);
    });

    it('accepts a full git source', () => {
      const source = {
        type: 'git' as const,
        repo: 'git@github.com:acme/api.git',
        branch: 'release/1.x',
        path: 'apps/api',
        dockerfile: 'docker/Dockerfile.prod',
        commit: 'a'.repeat(40),
        autoDeploy: false,
        credentials: 'DEPLOY_KEY',
      };
      expect(marks(specOf([service('api', { source })]))).toEqual([]);
      for (const repo of ['https://example.com/a.git', 'ssh://git@example.com/a', 'file:///srv/repo', '/srv/repo']) {
        expect(marks(specOf([service('api', { source: { ...source, repo } })]))).toEqual([]);
      }
    });

    it('rejects git sources a build could not use safely', () => {
      const source = {
        type: 'git' as const,
        repo: '--upload-pack=touch /tmp/x',
        branch: '-evil',
        path: '../outside',
        dockerfile: '/etc/passwd',
        commit: 'not-a-sha',
        credentials: 'my key',
      };
      expect(marks(specOf([service('api', { source })]))).toEqual([
        'api:source.repo',
        'api:source.branch',
        'api:source.path',
        'api:source.dockerfile',
        'api:source.commit',
        'api:source.credentials',
      ]);
      expect(marks(specOf([service('api', { source: { type: 'git', repo: 'ext::sh -c x', branch: 'main' } })]))).toEqual(['api:source.repo']);
    });
  });

  it.each([-1, 21, 1.5])('rejects %s replicas', (replicas) => {
    expect(marks(specOf([service('api', { replicas })]))).toEqual(['api:replicas']);
  });

  it('checks resources', () => {
    expect(marks(specOf([service('api', { resources: { cpu: 0, memoryMb: 5 } })]))).toEqual([
      'api:resources.cpu',
      'api:resources.memoryMb',
    ]);
    expect(marks(specOf([service('api', { resources: { cpu: 0.01, memoryMb: 6 } })]))).toEqual([]);
  });

  it('checks the health check port and interval', () => {
    expect(marks(specOf([service('api', { healthcheck: { port: 70000, intervalS: 0 } })]))).toEqual([
      'api:healthcheck.port',
      'api:healthcheck.intervalS',
    ]);
    expect(marks(specOf([service('api', { healthcheck: { port: 8080, command: ['true'] } })]))).toEqual([]);
  });

  it('checks volume mounts and volume sizes', () => {
    const spec = specOf([
      service('api', { volumes: [{ name: '', mountPath: 'data' }] }),
      { kind: 'volume', name: 'data', sizeMb: 0 },
    ]);
    expect(marks(spec)).toEqual(['api:volumes.0.name', 'api:volumes.0.mountPath', 'data:sizeMb']);
  });
});
