/** Where the panel shows each validation issue of a node, and the name rule it checks before writing. */
import { validate, type Issue, type NodeKind } from '../../../sync';

/** Paths the panel marks at a field of a node of this kind; any other issue is listed at the top. */
const FIELD_PATHS: Record<NodeKind, RegExp> = {
  service:
    /^(name|source(\.(image|repo|branch|path|dockerfile))?|ports\.\d+\.(port|public)|variables\..+|secretNames\.\d+|command|replicas|resources\.(cpu|memoryMb)|healthcheck\.(path|port|command|intervalS)|volumes\.\d+\.(name|mountPath))$/,
  // Databases come from presets with an image and one replica: no git fields, no replicas.
  database:
    /^(name|source(\.image)?|ports\.\d+\.(port|public)|variables\..+|secretNames\.\d+|command|resources\.(cpu|memoryMb)|healthcheck\.(path|port|command|intervalS)|volumes\.\d+\.(name|mountPath))$/,
  volume: /^(name|sizeMb)$/,
};

export interface PlacedIssues {
  /** Messages for the field at `path`, joined, or `undefined`. */
  at(path: string): string | undefined;
  /** Issues with no field of their own in the panel (edges, dependency cycles, hidden fields). */
  general: Issue[];
}

export function placeIssues(issues: readonly Issue[], kind: NodeKind): PlacedIssues {
  const byPath = new Map<string, string[]>();
  const general: Issue[] = [];
  for (const issue of issues) {
    if (!FIELD_PATHS[kind].test(issue.path)) {
      general.push(issue);
      continue;
    }
    const messages = byPath.get(issue.path) ?? [];
    if (!messages.includes(issue.message)) messages.push(issue.message);
    byPath.set(issue.path, messages);
  }
  return { at: (path) => byPath.get(path)?.join('; '), general };
}

/**
 * Why `name` cannot be a node's name, in `validate`'s words. The panel refuses to write such
 * a name: renaming rewrites `${{ name.VAR }}` references, and a name the reference syntax
 * cannot express (empty, with spaces…) would break them for good.
 */
export function nameRuleMessage(name: string): string | undefined {
  return validate({ services: { probe: { kind: 'volume', name } }, edges: [] }).find((i) => i.path === 'name')?.message;
}
