/**
 * Re-render on deployable changes to an environment's document, local or remote, with the
 * document's spec and issues computed once per change however many panels read them. Moving
 * a node is not a change: the panels would otherwise re-validate on every drag frame.
 */
import { useSyncExternalStore } from 'react';
import * as Y from 'yjs';
import { LAYOUT_FIELDS, ROOT, toSpec, validate, type Issue } from '../../../sync';

/** A new object whenever the document changed, so it can be a `useMemo` dependency. */
export interface DocSnapshot {
  doc: Y.Doc;
  version: number;
}

/**
 * Remote edits arriving in a burst (many peers typing) are shown together after this long:
 * re-validating a 300-node document takes tens of milliseconds. Local edits show at once.
 */
export const REMOTE_COALESCE_MS = 100;

export function useDocSnapshot(doc: Y.Doc): DocSnapshot {
  const store = docStore(doc);
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

const specs = new WeakMap<DocSnapshot, ReturnType<typeof toSpec>>();
const validations = new WeakMap<DocSnapshot, Issue[]>();

/** `toSpec` of the document as of `snapshot`. */
export function specAt(snapshot: DocSnapshot): ReturnType<typeof toSpec> {
  let result = specs.get(snapshot);
  if (!result) specs.set(snapshot, (result = toSpec(snapshot.doc)));
  return result;
}

/** `validate` of that spec: the graph rules, for every valid node. */
export function validationAt(snapshot: DocSnapshot): Issue[] {
  let result = validations.get(snapshot);
  if (!result) validations.set(snapshot, (result = validate(specAt(snapshot).spec)));
  return result;
}

const LAYOUT = new Set<string>(LAYOUT_FIELDS);

/** True when the events of one transaction on the `services` map touch only layout fields. */
export function isLayoutOnly(events: readonly Y.YEvent<Y.AbstractType<unknown>>[]): boolean {
  return events.every((event) => {
    const [serviceId, field] = event.path;
    if (serviceId === undefined) return false; // nodes added or removed
    if (field !== undefined) return LAYOUT.has(String(field)); // inside a nested Y type
    return [...event.keys.keys()].every((key) => LAYOUT.has(key));
  });
}

export interface DocStore {
  get: () => DocSnapshot;
  subscribe: (notify: () => void) => () => void;
}

/** One store per document, observing it only while something is subscribed (`useSyncExternalStore`'s shape). */
const stores = new WeakMap<Y.Doc, DocStore>();

export function docStore(doc: Y.Doc): DocStore {
  let store = stores.get(doc);
  if (!store) stores.set(doc, (store = createStore(doc)));
  return store;
}

function createStore(doc: Y.Doc): DocStore {
  let snapshot: DocSnapshot = { doc, version: 0 };
  // What the snapshot has seen, to notice updates that landed while nothing was observing.
  let seen = Y.encodeStateVector(doc);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const listeners = new Set<() => void>();
  const services = doc.getMap<unknown>(ROOT.services);
  const edges = doc.getMap<unknown>(ROOT.edges);

  const publish = () => {
    clearTimeout(timer);
    timer = undefined;
    snapshot = { doc, version: snapshot.version + 1 };
    seen = Y.encodeStateVector(doc);
    for (const notify of [...listeners]) notify();
  };
  const changed = (transaction: Y.Transaction) => {
    if (transaction.local) publish();
    else timer ??= setTimeout(publish, REMOTE_COALESCE_MS);
  };
  const onServices = (events: Y.YEvent<Y.AbstractType<unknown>>[], transaction: Y.Transaction) => {
    if (!isLayoutOnly(events)) changed(transaction);
  };
  const onEdges = (_events: unknown, transaction: Y.Transaction) => changed(transaction);

  return {
    get: () => snapshot,
    subscribe(notify) {
      listeners.add(notify);
      if (listeners.size === 1) {
        services.observeDeep(onServices);
        edges.observeDeep(onEdges);
        if (!sameBytes(seen, Y.encodeStateVector(doc))) publish();
      }
      return () => {
        listeners.delete(notify);
        if (listeners.size > 0) return;
        services.unobserveDeep(onServices);
        edges.unobserveDeep(onEdges);
        clearTimeout(timer);
        timer = undefined;
      };
    },
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
