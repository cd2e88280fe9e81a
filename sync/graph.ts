/**
 * The dependency graph of a spec. A service depends on another when an edge goes from it to
 * the other (it reaches the other over the network) or when its variables reference the
 * other; a service referring to its own variables does not depend on itself.
 */
import { isRunnable } from './schema';
import { findReferences, runnablesByName } from './references';
import type { DeployableSpec } from './spec';

/** Service id → ids it depends on. Ends that are not in the spec are left out. */
export function dependencies(spec: DeployableSpec): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>(Object.keys(spec.services).map((id) => [id, new Set()]));
  for (const { from, to } of spec.edges) {
    if (spec.services[to]) deps.get(from)?.add(to);
  }
  const byName = runnablesByName(spec);
  for (const [id, node] of Object.entries(spec.services)) {
    if (!isRunnable(node)) continue;
    for (const value of Object.values(node.variables)) {
      for (const ref of findReferences(value)) {
        const target = byName.get(ref.service);
        if (target && target.id !== id) deps.get(id)?.add(target.id);
      }
    }
  }
  return deps;
}

/** Each cycle as the ids in it (strongly connected components that loop), via Tarjan. */
export function findCycles(deps: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];

  function visit(id: string): void {
    index.set(id, counter);
    low.set(id, counter++);
    stack.push(id);
    onStack.add(id);
    for (const next of deps.get(id) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(id, Math.min(low.get(id)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(id, Math.min(low.get(id)!, index.get(next)!));
      }
    }
    if (low.get(id) !== index.get(id)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== id);
    if (component.length > 1 || deps.get(id)?.has(id)) cycles.push(component.reverse());
  }

  for (const id of deps.keys()) if (!index.has(id)) visit(id);
  return cycles;
}

/**
 * Ids with every service after the ones it depends on, ties by id. Meant for specs that pass
 * `validate`; a cycle, if any, is cut at an arbitrary point.
 */
export function deployOrder(spec: DeployableSpec): string[] {
  const deps = dependencies(spec);
  const order: string[] = [];
  const seen = new Set<string>();
  function place(id: string): void {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dep of [...(deps.get(id) ?? [])].sort()) place(dep);
    order.push(id);
  }
  for (const id of [...deps.keys()].sort()) place(id);
  return order;
}
