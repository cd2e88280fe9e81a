import { describe, expect, it, vi } from 'vitest';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { IDLE_AFTER_MS, parsePeer, PresenceStore } from './presence-store';

/** Two awareness instances wired together, as two browsers behind the server would be. */
function pair() {
  const local = new Awareness(new Y.Doc());
  const remote = new Awareness(new Y.Doc());
  const relay = (from: Awareness, to: Awareness) =>
    from.on('update', ({ added, updated, removed }: Record<string, number[]>) =>
      applyAwarenessUpdate(to, encodeAwarenessUpdate(from, [...added, ...updated, ...removed]), 'remote'),
    );
  relay(local, remote);
  relay(remote, local);
  return { local, remote };
}

describe('parsePeer', () => {
  it('accepts a well-formed state and derives the colour', () => {
    const peer = parsePeer(7, { user: { id: 'u1', name: 'Ana', color: 'red; background: url(x)' }, cursor: { x: 1, y: 2 }, selection: ['a'] });
    expect(peer).toMatchObject({ clientId: 7, user: { id: 'u1', name: 'Ana' }, cursor: { x: 1, y: 2 }, selection: ['a'] });
    expect(peer?.user.color).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('tolerates garbage', () => {
    expect(parsePeer(1, null)).toBeNull();
    expect(parsePeer(1, { user: 'x' })).toBeNull();
    expect(parsePeer(1, { user: { id: 'u' }, cursor: { x: 'a' }, selection: 'b', viewport: { x: 1, y: 1, zoom: -1 } })).toMatchObject({
      user: { name: 'Someone' },
      cursor: null,
      selection: [],
      viewport: null,
    });
  });
});

describe('PresenceStore', () => {
  it('notifies a node only when its halos change, not on cursor moves', () => {
    const { local, remote } = pair();
    const store = new PresenceStore(local, { id: 'me', name: 'Me', color: '#000' });
    const peer = new PresenceStore(remote, { id: 'ana', name: 'Ana Lima', color: '#000' });
    const node = store.nodeStore('n1');
    let calls = 0;
    node.subscribe(() => calls++);
    peer.setSelection(['n1']);
    expect(node.get().selectedBy.map((u) => u.name)).toEqual(['Ana Lima']);
    expect(calls).toBe(1);
    peer.setCursor({ x: 10, y: 20 });
    peer.setCursor({ x: 11, y: 21 });
    expect(calls).toBe(1);
    expect(store.cursorStore.get()).toMatchObject([{ cursor: { x: 11, y: 21 } }]);
    peer.setEditing('n1');
    expect(node.get().editingBy.map((u) => u.name)).toEqual(['Ana Lima']);
    expect(calls).toBe(2);
    store.destroy();
    peer.destroy();
  });

  it('marks people idle after a minute without changes', () => {
    vi.useFakeTimers();
    const { local, remote } = pair();
    let now = 1_000;
    const store = new PresenceStore(local, { id: 'me', name: 'Me', color: '#000' }, () => now);
    const peer = new PresenceStore(remote, { id: 'ana', name: 'Ana', color: '#000' });
    expect(store.peopleStore.get()).toMatchObject([{ user: { id: 'ana' }, idle: false }]);
    now += IDLE_AFTER_MS + 1;
    peer.setCursor(null); // unchanged: no 'change' event, so still counts as silence
    vi.advanceTimersByTime(5_000);
    expect(store.peopleStore.get()).toMatchObject([{ idle: true }]);
    peer.setCursor({ x: 1, y: 1 });
    expect(store.peopleStore.get()).toMatchObject([{ idle: false }]);
    store.destroy();
    peer.destroy();
    vi.useRealTimers();
  });
});
