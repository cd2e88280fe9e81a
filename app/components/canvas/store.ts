/**
 * A tiny external store for useSyncExternalStore: the canvas keeps document-derived graph
 * state, presence and connection state outside React so each consumer re-renders only for
 * the slice it reads (a peer's cursor move must not re-render the graph).
 */
import { useCallback, useSyncExternalStore } from 'react';

export class Emitter {
  private listeners = new Set<() => void>();

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  protected emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export interface Readable<T> {
  subscribe(listener: () => void): () => void;
  get(): T;
}

/** Reads a slice of a store; `select` must return a value that stays identical while unchanged. */
export function useStore<T, S = T>(store: Readable<T>, select?: (state: T) => S): S {
  const get = useCallback(() => (select ? select(store.get()) : (store.get() as unknown as S)), [store, select]);
  return useSyncExternalStore(store.subscribe, get, get);
}
