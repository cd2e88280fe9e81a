/**
 * Document migrations, in the manner of tldraw's record migrations: named ids, an ordered
 * list, one `up` per step. Steps edit the Y.Map of one node in place (rather than
 * rewriting it) so fields they do not touch keep their Yjs history and concurrent edits.
 */
import type * as Y from 'yjs';

export type MigrationId = `${string}/${number}`;

export interface Migration {
  id: MigrationId;
  /** The document's `meta.schemaVersion` once this step has run. */
  version: number;
  /** Node kinds the step applies to. */
  kinds: readonly string[];
  up(node: Y.Map<unknown>): void;
}

export function createMigrationIds<const V extends Record<string, number>>(
  sequenceId: string,
  versions: V,
): { readonly [K in keyof V]: MigrationId } {
  const ids = {} as Record<keyof V, MigrationId>;
  for (const key of Object.keys(versions) as Array<keyof V>) {
    ids[key] = `${sequenceId}/${versions[key]}`;
  }
  return ids;
}
