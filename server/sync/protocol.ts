// The y-websocket wire protocol (what a stock WebsocketProvider speaks): one
// binary frame per message, a varuint message type, then the payload.
//   0 sync       → 0 step 1 (state vector) | 1 step 2 (update) | 2 update
//   1 awareness  → an awareness update
//   3 query awareness (client asks for every awareness state)
// Decoding checks the framing completely (no trailing bytes, state vectors and
// awareness payloads decode) so a malformed message is refused before it
// touches anything. Yjs update payloads are checked by `inspectUpdate`, only on
// the write path: a read-only connection's updates are dropped unread.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_QUERY_AWARENESS = 3;

export type ClientMessage =
  | { type: 'sync-step-1'; stateVector: Uint8Array }
  | { type: 'sync-step-2'; update: Uint8Array }
  | { type: 'update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array }
  | { type: 'query-awareness' };

export class InvalidMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidMessageError';
  }
}

export function decodeMessage(data: Uint8Array): ClientMessage {
  try {
    const decoder = decoding.createDecoder(data);
    const message = readMessage(decoder);
    if (decoding.hasContent(decoder)) throw new InvalidMessageError('trailing bytes after the message');
    return message;
  } catch (error) {
    if (error instanceof InvalidMessageError) throw error;
    // lib0 throws plain Errors (unexpected end of array, integer out of range); JSON.parse throws SyntaxError.
    throw new InvalidMessageError(`malformed message: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function readMessage(decoder: decoding.Decoder): ClientMessage {
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case MESSAGE_SYNC: {
      const syncType = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (syncType === syncProtocol.messageYjsSyncStep1) {
        Y.decodeStateVector(payload); // throws on garbage, before we encode a diff against it
        return { type: 'sync-step-1', stateVector: payload };
      }
      if (syncType === syncProtocol.messageYjsSyncStep2) return { type: 'sync-step-2', update: payload };
      if (syncType === syncProtocol.messageYjsUpdate) return { type: 'update', update: payload };
      throw new InvalidMessageError(`unknown sync message type ${syncType}`);
    }
    case MESSAGE_AWARENESS: {
      const update = decoding.readVarUint8Array(decoder);
      checkAwarenessUpdate(update);
      return { type: 'awareness', update };
    }
    case MESSAGE_QUERY_AWARENESS:
      return { type: 'query-awareness' };
    default:
      // Includes 2 (auth): only the server sends those.
      throw new InvalidMessageError(`unknown message type ${type}`);
  }
}

/**
 * Reads an awareness update the way y-protocols' applyAwarenessUpdate does,
 * without applying it: that function sets states as it reads, so a payload
 * that fails halfway would leave some states applied and no event emitted.
 */
function checkAwarenessUpdate(update: Uint8Array): void {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  for (let i = 0; i < count; i++) {
    decoding.readVarUint(decoder); // client id
    decoding.readVarUint(decoder); // clock
    JSON.parse(decoding.readVarString(decoder));
  }
  if (decoding.hasContent(decoder)) throw new InvalidMessageError('trailing bytes after the awareness update');
}

/**
 * Checks that a Yjs (v1) update decodes completely: every struct, its content
 * and the delete set. `Y.applyUpdate` integrates the structs before it reads
 * the delete set, so a malformed tail would leave a half-applied update (and a
 * stored row that breaks every later load); decoding it all first rules that
 * out. This is linear in the update's size and leaves the live document
 * alone, unlike applying to a scratch copy (linear in the document's size).
 * Returns whether the update carries nothing (no structs, no deletions), as a
 * client's sync step 2 often does.
 */
export function inspectUpdate(update: Uint8Array): { empty: boolean } {
  try {
    const { structs, ds } = Y.decodeUpdate(update);
    return { empty: structs.length === 0 && ds.clients.size === 0 };
  } catch (error) {
    throw new InvalidMessageError(`malformed Yjs update: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

export function encodeSyncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep2(encoder, doc, stateVector);
  return encoding.toUint8Array(encoder);
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function encodeAwareness(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}
