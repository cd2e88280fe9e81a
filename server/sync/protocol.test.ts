import * as encoding from 'lib0/encoding';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  inspectUpdate,
  InvalidMessageError,
} from './protocol';

function docWith(key: string, value: unknown): Y.Doc {
  const doc = new Y.Doc();
  doc.getMap('services').set(key, value);
  return doc;
}

describe('decodeMessage', () => {
  it('reads what a y-websocket client sends', () => {
    const doc = docWith('web', { name: 'web' });
    const sv = Y.encodeStateVector(doc);
    expect(decodeMessage(encodeSyncStep1(doc))).toEqual({ type: 'sync-step-1', stateVector: sv });

    const step2 = decodeMessage(encodeSyncStep2(doc, new Uint8Array([0])));
    expect(step2.type).toBe('sync-step-2');

    const update = Y.encodeStateAsUpdate(doc);
    expect(decodeMessage(encodeUpdate(update))).toEqual({ type: 'update', update });

    const awareness = new Awareness(doc);
    awareness.setLocalStateField('user', { name: 'Ana' });
    const awarenessUpdate = encodeAwarenessUpdate(awareness, [doc.clientID]);
    expect(decodeMessage(encodeAwareness(awarenessUpdate))).toEqual({ type: 'awareness', update: awarenessUpdate });
    awareness.destroy();

    expect(decodeMessage(new Uint8Array([3]))).toEqual({ type: 'query-awareness' });
  });

  it.each([
    ['empty', []],
    ['unknown type', [9]],
    ['auth (server → client only)', [2, 0, 0]],
    ['unknown sync type', [0, 5, 0]],
    ['payload longer than the frame', [0, 2, 10, 1]],
    ['trailing bytes', [3, 0]],
    ['varuint out of range', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
    ['truncated state vector', [0, 0, 2, 3, 1]],
    ['awareness state not JSON', [1, 5, 1, 7, 1, 1, 0x7b]],
    ['awareness with trailing bytes', [1, 6, 1, 7, 1, 1, 0x31, 0]],
  ])('refuses %s', (_what, bytes) => {
    expect(() => decodeMessage(new Uint8Array(bytes))).toThrow(InvalidMessageError);
  });
});

describe('inspectUpdate', () => {
  it('accepts real updates and tells an empty one apart', () => {
    const doc = docWith('web', 1);
    expect(inspectUpdate(Y.encodeStateAsUpdate(doc))).toEqual({ empty: false });
    // What a client with nothing new answers to our sync step 1.
    expect(inspectUpdate(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc)))).toEqual({ empty: true });

    doc.getMap('services').delete('web');
    const onlyDeletes = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc));
    expect(inspectUpdate(onlyDeletes)).toEqual({ empty: false });
  });

  it('refuses updates that do not decode completely', () => {
    const update = Y.encodeStateAsUpdate(docWith('web', 'x'.repeat(50)));
    expect(() => inspectUpdate(update.slice(0, update.length - 10))).toThrow(InvalidMessageError);
    expect(() => inspectUpdate(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(InvalidMessageError);
  });

  it('matches y-protocols’ own encoders', () => {
    const doc = docWith('web', 1);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeSyncStep1(encoder, doc);
    expect(encodeSyncStep1(doc)).toEqual(encoding.toUint8Array(encoder));
  });
});
