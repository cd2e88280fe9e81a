/** A node of the canvas: a card with its kind, name, source, port, live telemetry, a status area and its problems. */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent } from 'react';
import { useCanvas } from './context';
import type { CanvasNode, NodeView } from './graph-store';
import { NodeStatus, NodeUrl, useServerIssues } from '../deploy';
import { useServiceAlert } from '../deploy/context';
import { NodeAlertLine } from '../alerts/node-alert';
import { KindIcon, kindLabel } from '../service-panel';
import { AlertIcon, GlobeIcon, PencilIcon } from './icons';
import { NodeTelemetry } from './node-telemetry';
import type { NodePresence } from './presence-store';
import { useStore } from './store';

/** The kind tile, shared with the side panels so a node looks the same in both. */
export function KindTile({ kind, size = 16 }: { kind: string; size?: number }) {
  return (
    <span className={`sp-kind sp-kind-${kind} cnode-kind-tile`} aria-hidden>
      <KindIcon kind={kind} size={size} />
    </span>
  );
}

function label(view: NodeView): string {
  return view.kind === 'unknown' ? 'Unknown node' : kindLabel(view.kind, view.preset ?? undefined);
}

function NodeCard({ id, data, selected }: NodeProps<CanvasNode>) {
  const { session, readOnly } = useCanvas();
  const nodeStore = useMemo(() => session.presence.nodeStore(id), [session, id]);
  const presence: NodePresence = useStore(nodeStore);
  const [renaming, setRenaming] = useState(false);
  const runnable = data.kind === 'service' || data.kind === 'database';
  // What the server refused at the last commit, until the node is edited.
  const serverIssues = useServerIssues(id);
  const issues = serverIssues.length ? [...new Set([...data.issues, ...serverIssues])] : data.issues;
  const invalid = issues.length > 0;
  // An open alert of the service: red while firing, amber once acknowledged.
  const serviceAlert = useServiceAlert(id);
  const alert = runnable ? serviceAlert : null;
  const halo = presence.selectedBy[0] ?? presence.editingBy[0];
  const tag = presence.editingBy.length
    ? `${names(presence.editingBy)} ${presence.editingBy.length > 1 ? 'are' : 'is'} editing`
    : presence.selectedBy.length
      ? names(presence.selectedBy)
      : null;

  const classes = ['cnode', `cnode-${data.kind}`];
  if (selected) classes.push('is-selected');
  if (invalid) classes.push('is-invalid');
  if (halo) classes.push('has-peer');
  if (alert) classes.push('has-alert', `alert-${alert.state}`);

  return (
    <div
      className={classes.join(' ')}
      style={halo ? ({ '--peer': halo.color } as CSSProperties) : undefined}
      data-testid="canvas-node"
      data-name={data.name}
      data-peer-selected={presence.selectedBy.map((u) => u.name).join(',') || undefined}
      aria-invalid={invalid || undefined}
      data-alert={alert?.state}
    >
      {alert ? <NodeAlertLine alert={alert} /> : null}
      {tag ? (
        <div className="cnode-peer-tag" data-testid="peer-tag">
          {presence.editingBy.length ? <PencilIcon size={11} /> : null}
          {tag}
        </div>
      ) : null}
      {/* While a connection is being drawn, CSS stretches this handle over the card: drop anywhere on it. */}
      {runnable ? <Handle type="target" position={Position.Left} isConnectable={!readOnly} className="cnode-handle" /> : null}
      <div className="cnode-head">
        <KindTile kind={data.kind} />
        <div className="cnode-title">
          {renaming ? (
            <RenameInput
              initial={data.name}
              onDone={(name) => {
                setRenaming(false);
                if (name !== null && name !== data.name) session.actions.rename(id, name);
              }}
            />
          ) : (
            <div
              className="cnode-name"
              title={readOnly ? data.name : `${data.name} — double-click to rename`}
              onDoubleClick={readOnly || !data.name ? undefined : () => setRenaming(true)}
            >
              {data.name || <span className="faint">unnamed</span>}
            </div>
          )}
          <div className="cnode-sub">
            {data.kind === 'volume'
              ? data.sizeMb
                ? `${data.sizeMb} MB`
                : <span className="faint">Persistent volume</span>
              : data.source ?? <span className="faint">{data.kind === 'unknown' ? label(data) : 'No source yet'}</span>}
          </div>
        </div>
        {data.port ? (
          <span className={`cnode-port${data.port.public ? ' is-public' : ''}`} title={data.port.public ? 'Public port' : 'Private port'}>
            {data.port.public ? <GlobeIcon size={11} /> : null}:{data.port.port}
            {data.morePorts ? <span className="faint"> +{data.morePorts}</span> : null}
          </span>
        ) : null}
      </div>
      {runnable ? <NodeTelemetry id={id} /> : null}
      <div className="cnode-foot">
        <NodeStatus id={id} runnable={runnable} />
        <span className="cnode-kind">
          {label(data)}
          {data.replicas !== null && data.replicas !== 1 && runnable ? ` · ×${data.replicas}` : ''}
        </span>
      </div>
      {runnable ? <NodeUrl id={id} /> : null}
      {invalid ? (
        <div className="cnode-issue" data-testid="node-issue" title={issues.join('\n')}>
          <AlertIcon size={12} />
          <span className="cnode-issue-text">{issues[0]}</span>
          {issues.length > 1 ? <span className="cnode-issue-more">+{issues.length - 1}</span> : null}
        </div>
      ) : null}
      {runnable ? <Handle type="source" position={Position.Right} isConnectable={!readOnly} className="cnode-handle" /> : null}
    </div>
  );
}

function names(users: { name: string }[]): string {
  const first = users[0]?.name.split(/\s+/)[0] ?? 'Someone';
  return users.length > 1 ? `${first} +${users.length - 1}` : first;
}

function RenameInput({ initial, onDone }: { initial: string; onDone: (name: string | null) => void }) {
  const [value, setValue] = useState(initial);
  const done = useRef(false);
  const finish = (name: string | null) => {
    if (done.current) return;
    done.current = true;
    onDone(name);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    e.stopPropagation();
    if (e.key === 'Enter') finish(value.trim() || null);
    if (e.key === 'Escape') finish(null);
  };
  return (
    <input
      className="cnode-rename nodrag"
      aria-label="Service name"
      autoFocus
      value={value}
      spellCheck={false}
      onFocus={(e) => e.currentTarget.select()}
      onChange={(e) => setValue(e.target.value.toLowerCase())}
      onKeyDown={onKeyDown}
      onBlur={() => finish(value.trim() || null)}
    />
  );
}

/** Position changes alone do not re-render the card; React Flow moves its wrapper. */
export const CanvasNodeCard = memo(
  NodeCard,
  (a, b) => a.id === b.id && a.data === b.data && a.selected === b.selected && a.isConnectable === b.isConnectable,
);
