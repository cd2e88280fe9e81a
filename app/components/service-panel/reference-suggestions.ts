/**
 * Autocomplete for `${{ service.VAR }}` references in a variable's value. Suggestions are
 * exactly what `validate` accepts: runnable nodes by name and `referenceableVariables` of each.
 */
import { referenceableVariables, runnablesByName, type DeployableSpec } from '../../../sync';

/** The unfinished reference around the caret: `value.slice(start, end)` is what a pick replaces. */
export interface ReferenceContext {
  start: number;
  end: number;
  /** What was typed after `${{`, e.g. `api.PO`. */
  query: string;
}

export interface Suggestion {
  service: string;
  variable: string;
  /** `service.VARIABLE`, as shown and matched. */
  label: string;
  detail: 'variable' | 'secret' | 'built-in';
  /** A reference to the service being edited. */
  self: boolean;
}

const QUERY = /^\s*([A-Za-z0-9_.-]*)$/;
/** The rest of a reference after the caret, so picking inside an existing one replaces all of it. */
const TAIL = /^[A-Za-z0-9_.-]*\s*\}\}/;
/** Names that the reference syntax can address; others cannot be referenced at all. */
const REFERENCEABLE_NAME = /^[A-Za-z0-9_-]+$/;

export function referenceAt(value: string, caret: number): ReferenceContext | null {
  const before = value.slice(0, caret);
  const start = before.lastIndexOf('${{');
  if (start < 0) return null;
  const typed = before.slice(start + 3);
  const match = QUERY.exec(typed);
  if (!match) return null; // closed already, or not a reference
  const tail = TAIL.exec(value.slice(caret));
  return { start, end: caret + (tail ? tail[0].length : 0), query: match[1] };
}

/** `value` with the reference at `context` replaced by `suggestion`, and where the caret goes. */
export function applySuggestion(
  value: string,
  context: ReferenceContext,
  suggestion: Pick<Suggestion, 'label'>,
): { value: string; caret: number } {
  const inserted = `\${{ ${suggestion.label} }}`;
  return {
    value: value.slice(0, context.start) + inserted + value.slice(context.end),
    caret: context.start + inserted.length,
  };
}

/**
 * Every reference the service `selfId` may use that matches `query`: other services first,
 * then its own variables (a database's URL refers to its own password), never the variable
 * being edited. Prefix matches come before other matches; order is otherwise stable.
 */
export function referenceSuggestions(
  spec: DeployableSpec,
  selfId: string,
  query: string,
  editing?: string,
): Suggestion[] {
  const all: Suggestion[] = [];
  const own: Suggestion[] = [];
  for (const [name, { id, service }] of runnablesByName(spec)) {
    if (!REFERENCEABLE_NAME.test(name)) continue;
    const self = id === selfId;
    const secrets = new Set(service.secretNames);
    for (const variable of referenceableVariables(service)) {
      if (self && variable === editing) continue;
      // A declared variable shadows a secret or built-in of the same name, as in resolveReferences.
      const detail = variable in service.variables ? 'variable' : secrets.has(variable) ? 'secret' : 'built-in';
      (self ? own : all).push({ service: name, variable, label: `${name}.${variable}`, detail, self });
    }
  }
  const needle = query.trim().toLowerCase();
  const ranked = [...all, ...own]
    .map((s) => ({ s, rank: rank(s.label.toLowerCase(), s.variable.toLowerCase(), needle) }))
    .filter((r) => r.rank >= 0);
  return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.s);
}

function rank(label: string, variable: string, needle: string): number {
  if (needle === '' || label.startsWith(needle)) return 0;
  if (variable.startsWith(needle)) return 1;
  return label.includes(needle) ? 2 : -1;
}
