/** Writers may store plain values or nested Y types; readers see both as plain JSON. */
import * as Y from 'yjs';

export function toPlain(value: unknown): unknown {
  return value instanceof Y.AbstractType ? value.toJSON() : value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Y.AbstractType);
}

/**
 * The nested Y.Map under `key`, created if missing. A plain object found there (written by
 * an older or simpler writer) is converted, keeping its entries.
 */
export function ensureYMap(node: Y.Map<unknown>, key: string): Y.Map<unknown> {
  const current = node.get(key);
  if (current instanceof Y.Map) return current;
  const existing = toPlain(current);
  const map = new Y.Map<unknown>(isPlainObject(existing) ? Object.entries(existing) : undefined);
  node.set(key, map);
  return map;
}
