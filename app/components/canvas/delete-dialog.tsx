/** Asks before deleting nodes from the canvas: deleting a database loses its settings and connections. */
import { useEffect, useRef } from 'react';

export interface DeleteRequest {
  nodeIds: string[];
  edgeIds: string[];
  /** Names of the nodes, for the question. */
  names: string[];
  /** Connections that go with the nodes, beyond selected ones. */
  connections: number;
}

export function DeleteDialog({ request, onConfirm, onCancel }: { request: DeleteRequest; onConfirm: () => void; onCancel: () => void }) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => confirmRef.current?.focus(), []);
  const { nodeIds, edgeIds, names, connections } = request;
  const subject =
    nodeIds.length === 0
      ? edgeIds.length === 1
        ? 'this connection'
        : `${edgeIds.length} connections`
      : nodeIds.length === 1
        ? names[0] || 'this node'
        : `${nodeIds.length} nodes`;
  const links = connections + edgeIds.length;
  return (
    <div
      className="dialog-backdrop"
      onPointerDown={(e) => {
        if (e.target === e.currentTarget) onCancel();
      }}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Escape') onCancel();
      }}
    >
      <div className="dialog card" role="alertdialog" aria-modal="true" aria-labelledby="delete-title" aria-describedby="delete-body">
        <h2 id="delete-title">Delete {subject}?</h2>
        <p id="delete-body" className="muted">
          {nodeIds.length
            ? `${nodeIds.length === 1 ? 'It is' : 'They are'} removed from the canvas${
                links && nodeIds.length ? ` with ${links} ${links === 1 ? 'connection' : 'connections'}` : ''
              }. Running containers stay until the next deploy. You can undo this.`
            : 'Services stop reaching each other on the private network after the next deploy. You can undo this.'}
        </p>
        {nodeIds.length > 1 ? <p className="dialog-names mono">{names.filter(Boolean).join(', ')}</p> : null}
        <div className="dialog-actions">
          <button type="button" className="btn btn-sm" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="btn btn-sm btn-danger-solid" ref={confirmRef} onClick={onConfirm}>
            Delete
          </button>
        </div>
      </div>
    </div>
  );
}
