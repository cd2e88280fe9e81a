/**
 * Variable references: a value may contain `${{ serviceName.VAR }}`. A reference resolves
 * to, in this order: a value the caller supplies (`extra`, e.g. secret values or the real
 * host of a deployed container), a variable the service declares (itself resolved), or a
 * built-in: `HOST` (the service name, its host on the environment network) and `PORT` (its
 * first port). Secrets the service lists in `secretNames` can be referenced, but only
 * `extra` has their values. Only `variables` are scanned for references.
 */
import type { Issue } from './issue';
import { isRunnable } from './schema';
import type { DeployableSpec, RunnableSpec } from './spec';

export interface Reference {
  service: string;
  variable: string;
  /** The whole `${{ … }}` text. */
  text: string;
}

/** Values the caller supplies, by service name, then variable name. */
export type ExtraValues = Record<string, Record<string, string>>;

export const BUILTIN_VARIABLES = ['HOST', 'PORT'] as const;

const REFERENCE = /\$\{\{\s*([A-Za-z0-9_-]+)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function findReferences(value: string): Reference[] {
  return [...value.matchAll(REFERENCE)].map((m) => ({ service: m[1], variable: m[2], text: m[0] }));
}

/** True when `${{` appears anywhere but in a well-formed reference. */
export function hasMalformedReference(value: string): boolean {
  return value.replace(REFERENCE, '').includes('${{');
}

/** `value` with references to service `from` pointed at service `to` instead. */
export function renameReferences(value: string, from: string, to: string): string {
  return value.replace(REFERENCE, (text, service: string, variable: string) =>
    service === from ? `\${{ ${to}.${variable} }}` : text,
  );
}

/** Names another service may reference on `service`. */
export function referenceableVariables(service: RunnableSpec): Set<string> {
  const names = new Set([...Object.keys(service.variables), ...service.secretNames, 'HOST']);
  if (service.ports.length > 0) names.add('PORT');
  return names;
}

export function runnablesByName(spec: DeployableSpec): Map<string, { id: string; service: RunnableSpec }> {
  const byName = new Map<string, { id: string; service: RunnableSpec }>();
  for (const [id, node] of Object.entries(spec.services)) {
    if (isRunnable(node) && !byName.has(node.name)) byName.set(node.name, { id, service: node });
  }
  return byName;
}

/**
 * A copy of `spec` with every reference in `variables` substituted. A reference that cannot
 * be resolved stays as written and is reported in `issues` on the variable that uses it.
 */
export function resolveReferences(
  spec: DeployableSpec,
  extra: ExtraValues = {},
): { spec: DeployableSpec; issues: Issue[] } {
  const byName = runnablesByName(spec);
  const cache = new Map<string, Resolved>();

  function lookup(ref: Reference, visiting: Set<string>): Resolved {
    const supplied = extra[ref.service]?.[ref.variable];
    if (supplied !== undefined) return { value: supplied, errors: [] };
    const target = byName.get(ref.service)?.service;
    if (!target) return failed(ref, `no service named "${ref.service}"`);
    const declared = target.variables[ref.variable];
    if (declared !== undefined) {
      const key = `${ref.service}.${ref.variable}`;
      if (visiting.has(key)) return failed(ref, 'it refers back to itself');
      const cached = cache.get(key);
      if (cached) return cached;
      const inner = substitute(declared, new Set([...visiting, key]));
      const result = inner.errors.length ? failed(ref, inner.errors.join('; ')) : inner;
      cache.set(key, result);
      return result;
    }
    if (ref.variable === 'HOST') return { value: target.name, errors: [] };
    if (ref.variable === 'PORT' && target.ports[0]) return { value: String(target.ports[0].port), errors: [] };
    if (target.secretNames.includes(ref.variable)) return failed(ref, `no value supplied for secret ${ref.variable}`);
    return failed(ref, `"${ref.service}" has no variable ${ref.variable}`);
  }

  function substitute(value: string, visiting: Set<string>): Resolved {
    const errors: string[] = [];
    const resolved = value.replace(REFERENCE, (text, service: string, variable: string) => {
      const result = lookup({ service, variable, text }, visiting);
      errors.push(...result.errors);
      return result.errors.length ? text : result.value;
    });
    return { value: resolved, errors };
  }

  const issues: Issue[] = [];
  const services: DeployableSpec['services'] = {};
  for (const [id, node] of Object.entries(spec.services)) {
    if (!isRunnable(node)) {
      services[id] = node;
      continue;
    }
    const variables: Record<string, string> = {};
    for (const [name, value] of Object.entries(node.variables)) {
      const result = substitute(value, new Set([`${node.name}.${name}`]));
      variables[name] = result.value;
      for (const message of result.errors) issues.push({ serviceId: id, path: `variables.${name}`, message });
    }
    services[id] = { ...node, variables };
  }
  return { spec: { ...spec, services }, issues };
}

interface Resolved {
  value: string;
  errors: string[];
}

function failed(ref: Reference, reason: string): Resolved {
  return { value: ref.text, errors: [`cannot resolve ${ref.text}: ${reason}`] };
}
