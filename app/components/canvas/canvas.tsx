/**
 * The live collaborative canvas of one environment. The Y.Doc is the source of truth: React
 * Flow shows what GraphStore derives from it, and every user action is written back to it.
 * Presence (cursors, halos, avatars) comes from awareness through its own store.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useNodesInitialized,
  useReactFlow,
  useStore as useFlowStore,
  useStoreApi as useFlowStoreApi,
  type Connection,
  type EdgeChange,
  type EdgeTypes,
  type IsValidConnection,
  type NodeChange,
  type NodeTypes,
  type OnMoveStart,
  type ReactFlowState,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type PointerEvent, type ReactNode } from 'react';
import { emptySpec, type DatabasePresetId, type DeployableSpec } from '../../../sync';
import { ServicePanel } from '../service-panel';
import { StagedChanges } from '../staged-changes';
import { userColor } from '../ui';
import { DeployButton, DeployForm, DeploymentDock, DeployProvider, DeployToasts, useBaselineSpec } from '../deploy';
import { CanvasContext, useCanvas, type CanvasContextValue } from './context';
import { DeleteDialog, type DeleteRequest } from './delete-dialog';
import { FloatingEdge } from './floating-edge';
import { MOUNT_EDGE_PREFIX, type CanvasEdge, type CanvasNode, type GraphState } from './graph-store';
import { ConnectionBadge, StagedChangesButton, ViewOnlyBadge } from './header';
import { CloseIcon, PlusIcon } from './icons';
import { CanvasNodeCard } from './node-card';
import { LIVE_STRIP_HEIGHT } from './node-telemetry';
import { DEFAULT_NODE_SIZE, findFreeSpot } from './placement';
import { AvatarStack, PeerCursors } from './presence';
import { createCanvasSession, type CanvasSession } from './session';
import { useStore } from './store';
import { throttle } from './throttle';
import { Toolbar } from './toolbar';

export interface CanvasProps {
  environmentId: string;
  environmentName: string;
  user: { id: string; name: string };
  readOnly: boolean;
  /**
   * A share link's token: the canvas connects with it (read-only, no account) and leaves out
   * what needs one (deploying, staged changes).
   */
  shareToken?: string;
  /** Extra buttons for the header's right side (the Share button). */
  headerActions?: ReactNode;
}

/** Until the latest commit has loaded (then see useBaselineSpec), everything is a staged change. */
const BASELINE: DeployableSpec = emptySpec();
const NODE_TYPES: NodeTypes = { canvas: CanvasNodeCard };
const EDGE_TYPES: EdgeTypes = { floating: FloatingEdge };
/** The side panels' width plus their margins (app/styles/panels.css). */
const PANEL_WIDTH = 424;
const selectNodes = (s: GraphState) => s.nodes;
const selectEdges = (s: GraphState) => s.edges;
const selectSelection = (s: GraphState) => s.selection;
const selectSelectedEdges = (s: GraphState) => s.selectedEdges;
const FAR_ZOOM = 0.45;
const selectFar = (s: ReactFlowState) => s.transform[2] < FAR_ZOOM;

export function Canvas({ environmentId, environmentName, user, readOnly, shareToken, headerActions }: CanvasProps) {
  const [session, setSession] = useState<CanvasSession | null>(null);
  // Fields, not the object: a loader revalidation recreates the object, not the user.
  const { id: userId, name: userName } = user;
  useEffect(() => {
    // Client only: the document and its socket exist in the browser, never during SSR.
    const s = createCanvasSession({
      environmentId,
      user: { id: userId, name: userName, color: userColor(userId) },
      baseline: BASELINE,
      params: shareToken ? { token: shareToken } : undefined,
    });
    setSession(s);
    return () => {
      setSession(null);
      s.destroy();
    };
  }, [environmentId, userId, userName, shareToken]);
  const context = useMemo<CanvasContextValue | null>(() => (session ? { session, readOnly } : null), [session, readOnly]);
  return (
    <section className="canvas-area canvas-live" data-testid="canvas" aria-label={`Canvas of ${environmentName}`}>
      {context ? (
        <CanvasContext.Provider value={context}>
          <ReactFlowProvider>
            {/* With a share link's token it brings live status only (see DeployProvider). */}
            <DeployProvider environmentId={environmentId} shareToken={shareToken || undefined}>
              <Workspace user={user} shared={Boolean(shareToken)} headerActions={headerActions} />
            </DeployProvider>
          </ReactFlowProvider>
        </CanvasContext.Provider>
      ) : (
        <div className="canvas-loading">
          <span className="conn conn-connecting">
            <span className="conn-dot" aria-hidden />
            Connecting…
          </span>
        </div>
      )}
    </section>
  );
}

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest('input, textarea, select, [contenteditable="true"]') !== null;
}

function Workspace({
  user,
  shared = false,
  headerActions,
}: {
  user: { id: string; name: string };
  shared?: boolean;
  headerActions?: ReactNode;
}) {
  const { session, readOnly } = useCanvas();
  const { graph, presence, actions } = session;
  const nodes = useStore(graph, selectNodes);
  const edges = useStore(graph, selectEdges);
  const selection = useStore(graph, selectSelection);
  const selectedEdges = useStore(graph, selectSelectedEdges);
  const baseline = useBaselineSpec();
  const connection = useStore(session.connection);
  const rf = useReactFlow<CanvasNode, CanvasEdge>();
  const stageRef = useRef<HTMLDivElement>(null);
  const [deleteRequest, setDeleteRequest] = useState<DeleteRequest | null>(null);
  const [following, setFollowing] = useState<number | null>(null);
  const [changesOpen, setChangesOpen] = useState(false);
  const self = useMemo(() => ({ ...user, color: userColor(user.id) }), [user]);
  const selectedId = selection.length === 1 ? selection[0] : null;
  // Choosing a node shows its settings in place of the staged changes.
  useEffect(() => {
    if (selectedId) setChangesOpen(false);
  }, [selectedId]);
  const panelId = changesOpen ? null : selectedId;

  // ── presence out ──────────────────────────────────────────────────────────────────────
  useEffect(() => presence.setSelection(selection), [presence, selection]);
  useEffect(() => presence.setEditing(panelId && !readOnly ? panelId : null), [presence, panelId, readOnly]);

  const publishCursor = useMemo(() => throttle((p: { x: number; y: number } | null) => presence.setCursor(p), 50), [presence]);
  const publishViewport = useMemo(
    () =>
      throttle(() => {
        const rect = stageRef.current?.getBoundingClientRect();
        if (!rect) return;
        const c = rf.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 }, { snapToGrid: false });
        presence.setViewport({ x: c.x, y: c.y, zoom: rf.getZoom() });
      }, 50),
    [presence, rf],
  );
  const dragWrite = useMemo(() => throttle((moves: Array<{ id: string; position: { x: number; y: number } }>) => actions.move(moves), 50), [actions]);
  // Publish from the viewport itself rather than onMove, which React Flow does
  // not call for every kind of pan (scrolling with panOnScroll, for one).
  const flowStore = useFlowStoreApi();
  useEffect(() => {
    let last = flowStore.getState().transform;
    return flowStore.subscribe((state) => {
      if (state.transform === last) return;
      last = state.transform;
      publishViewport();
    });
  }, [flowStore, publishViewport]);
  useEffect(
    () => () => {
      publishCursor.cancel();
      publishViewport.cancel();
      dragWrite.flush();
    },
    [publishCursor, publishViewport, dragWrite],
  );

  const onPointerMove = useCallback(
    (e: PointerEvent) => {
      // Over the toolbar and badges the pointer is not on the canvas for anyone else.
      const overHud = e.target instanceof Element && e.target.closest('.canvas-hud') !== null;
      publishCursor(overHud ? null : rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }, { snapToGrid: false }));
    },
    [publishCursor, rf],
  );
  const onPointerLeave = useCallback(() => {
    publishCursor(null);
    publishCursor.flush();
  }, [publishCursor]);

  const [fitted, setFitted] = useState(false);
  // Far out, cards are too small to read: draw them plainly (see canvas.css), which keeps
  // panning a 300-node canvas smooth.
  const far = useFlowStore(selectFar);
  const [moving, setMoving] = useState(false);
  const [connecting, setConnecting] = useState(false);
  const onConnectStart = useCallback(() => setConnecting(true), []);
  const onConnectEnd = useCallback(() => setConnecting(false), []);

  // ── following someone's viewport ──────────────────────────────────────────────────────
  useEffect(() => {
    if (following === null) return;
    let last = '';
    const apply = () => {
      const peer = presence.peer(following);
      if (!peer) return setFollowing(null);
      const v = peer.viewport;
      if (!v) return;
      const key = `${v.x},${v.y},${v.zoom}`;
      if (key === last) return;
      const first = last === '';
      last = key;
      void rf.setCenter(v.x, v.y, { zoom: v.zoom, duration: first ? 0 : 120 });
    };
    apply();
    return presence.subscribePeers(apply);
  }, [following, presence, rf]);
  const followed = following === null ? undefined : presence.peer(following);

  const onFitted = useCallback(() => {
    setFitted(true);
    publishViewport();
  }, [publishViewport]);

  const onMoveStart: OnMoveStart = useCallback((event) => {
    setMoving(true);
    // Programmatic moves (following, fit) have no event; any pan or zoom by this user stops following.
    if (event) setFollowing(null);
  }, []);
  const onMoveEnd = useCallback(() => setMoving(false), []);

  // ── React Flow → document ─────────────────────────────────────────────────────────────
  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      const moves: Array<{ id: string; position: { x: number; y: number } }> = [];
      let finished = false;
      for (const change of changes) {
        if (change.type === 'dimensions' && change.dimensions) graph.setMeasured(change.id, change.dimensions);
        else if (change.type === 'select') graph.setSelected(change.id, change.selected);
        else if (change.type === 'position' && change.position && !readOnly) {
          if (change.dragging) {
            graph.setOverride(change.id, change.position);
            moves.push({ id: change.id, position: change.position });
          } else {
            // The drop (or a keyboard nudge): the final position, then the document takes over again.
            if (!finished) dragWrite.cancel();
            finished = true;
            actions.move([{ id: change.id, position: change.position }]);
            graph.clearOverride(change.id);
          }
        }
      }
      if (moves.length) dragWrite(moves);
      if (finished) actions.endCapture();
    },
    [graph, actions, dragWrite, readOnly],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<CanvasEdge>[]) => {
      for (const change of changes) if (change.type === 'select') graph.setEdgeSelected(change.id, change.selected);
    },
    [graph],
  );

  const isValidConnection: IsValidConnection<CanvasEdge> = useCallback(
    (c) => {
      if (c.source === c.target) return false;
      const runnable = (id: string) => ['service', 'database'].includes(graph.view(id)?.kind ?? '');
      return runnable(c.source) && runnable(c.target) && !graph.get().edges.some((e) => e.source === c.source && e.target === c.target);
    },
    [graph],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      if (!readOnly && c.source !== c.target) actions.connect(c.source, c.target);
    },
    [actions, readOnly],
  );

  // ── adding, deleting ──────────────────────────────────────────────────────────────────
  const freeSpot = useCallback(() => {
    const rect = stageRef.current?.getBoundingClientRect();
    const center = rect
      ? rf.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 }, { snapToGrid: false })
      : { x: 0, y: 0 };
    // A card grows by its live strip once deployed: keep room for it from the start.
    const live = DEFAULT_NODE_SIZE.height + LIVE_STRIP_HEIGHT;
    const taken = graph.ids().flatMap((id) => {
      const p = graph.positionOf(id);
      const size = graph.sizeOf(id) ?? DEFAULT_NODE_SIZE;
      return p ? [{ ...p, width: size.width, height: Math.max(size.height, live) }] : [];
    });
    return findFreeSpot(center, { ...DEFAULT_NODE_SIZE, height: live }, taken);
  }, [graph, rf]);

  const selectNew = useCallback(
    (id: string) => {
      graph.flushNow();
      graph.select([id]);
    },
    [graph],
  );
  const addService = useCallback(
    (init: { name: string; image: string }) => selectNew(actions.addService({ ...init, position: freeSpot() })),
    [actions, freeSpot, selectNew],
  );
  const addDatabase = useCallback((preset: DatabasePresetId) => selectNew(actions.addDatabase(preset, freeSpot())), [actions, freeSpot, selectNew]);
  const addVolume = useCallback(() => selectNew(actions.addVolume(freeSpot())), [actions, freeSpot, selectNew]);

  const requestDelete = useCallback(() => {
    const { selection: nodeIds, selectedEdges: edgeIds, edges: all } = graph.get();
    const links = edgeIds.filter((id) => !id.startsWith(MOUNT_EDGE_PREFIX));
    if (nodeIds.length === 0 && links.length === 0) return;
    const chosen = new Set(nodeIds);
    const linked = new Set(links);
    const connections = all.filter(
      (e) => !e.id.startsWith(MOUNT_EDGE_PREFIX) && !linked.has(e.id) && (chosen.has(e.source) || chosen.has(e.target)),
    ).length;
    setDeleteRequest({ nodeIds, edgeIds: links, names: nodeIds.map((id) => graph.view(id)?.name ?? ''), connections });
  }, [graph]);

  const confirmDelete = useCallback(() => {
    if (deleteRequest) actions.remove(deleteRequest.nodeIds, deleteRequest.edgeIds);
    setDeleteRequest(null);
    stageRef.current?.focus();
  }, [actions, deleteRequest]);

  // ── keyboard ──────────────────────────────────────────────────────────────────────────
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (deleteRequest || e.defaultPrevented || isTypingTarget(e.target)) return;
      if (e.target instanceof Element && e.target.closest('.side-panel, .tool-popover, [role="dialog"], [role="alertdialog"]')) return;
      const mod = e.metaKey || e.ctrlKey;
      const key = e.key.toLowerCase();
      if (mod && key === 'a') {
        e.preventDefault();
        graph.selectAll();
      } else if (mod && key === 'z' && !readOnly) {
        e.preventDefault();
        if (e.shiftKey) actions.redo();
        else actions.undo();
      } else if (mod && key === 'y' && !readOnly) {
        e.preventDefault();
        actions.redo();
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && !readOnly && !mod) {
        e.preventDefault();
        requestDelete();
      } else if (e.key === 'Escape') {
        graph.select([]);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [graph, actions, readOnly, requestDelete, deleteRequest]);

  const closePanel = useCallback(() => graph.select([]), [graph]);
  const closeChanges = useCallback(() => setChangesOpen(false), []);
  const toggleChanges = useCallback(() => setChangesOpen((open) => !open), []);
  /** From the staged changes to a node: select it and bring it into the part of the view the panel leaves. */
  const showNode = useCallback(
    (id: string) => {
      setChangesOpen(false);
      graph.select([id]);
      const p = graph.positionOf(id);
      if (!p) return;
      const size = graph.sizeOf(id) ?? DEFAULT_NODE_SIZE;
      const zoom = Math.max(rf.getZoom(), 0.6);
      void rf.setCenter(p.x + size.width / 2 + PANEL_WIDTH / 2 / zoom, p.y + size.height / 2, { zoom, duration: 250 });
    },
    [graph, rf],
  );

  const stageStyle = followed ? ({ '--follow': followed.user.color } as CSSProperties) : undefined;

  const panelOpen = changesOpen || panelId !== null;
  return (
    <div className={`canvas-root${panelOpen ? ' has-panel' : ''}`}>
      <div
        className={`canvas-stage${followed ? ' is-following' : ''}${readOnly ? ' is-readonly' : ''}${far ? ' is-far' : ''}${
          moving ? ' is-moving' : ''
        }${connecting ? ' is-connecting' : ''}`}
        ref={stageRef}
        style={stageStyle}
        tabIndex={-1}
        onPointerMove={onPointerMove}
        onPointerLeave={onPointerLeave}
      >
        <ReactFlow<CanvasNode, CanvasEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          edgeTypes={EDGE_TYPES}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onConnectStart={onConnectStart}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          onNodeDragStart={actions.endCapture}
          onMoveStart={onMoveStart}
          onMoveEnd={onMoveEnd}
          nodesDraggable={!readOnly}
          nodesConnectable={!readOnly}
          edgesReconnectable={false}
          deleteKeyCode={null}
          selectionOnDrag
          panOnScroll
          panOnDrag={[1, 2]}
          multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
          minZoom={0.1}
          maxZoom={2}
          nodeDragThreshold={2}
          colorMode="system"
          defaultEdgeOptions={{ interactionWidth: 16 }}
          aria-label="Services"
        >
          <Background variant={BackgroundVariant.Dots} gap={20} size={1.3} />
          <Controls showInteractive={false} position="bottom-left" />
          {nodes.length ? (
            <MiniMap position="bottom-right" pannable zoomable nodeColor={minimapColor} nodeBorderRadius={6} ariaLabel="Overview" />
          ) : null}
          <PeerCursors />
          {fitted || !connection.loaded ? null : <FitOnLoad empty={nodes.length === 0} onDone={onFitted} />}
        </ReactFlow>

        <div className="canvas-hud canvas-hud-left">
          <ConnectionBadge />
          {shared ? null : <StagedChangesButton open={changesOpen} onToggle={toggleChanges} />}
          {readOnly ? <ViewOnlyBadge /> : null}
        </div>
        {readOnly ? null : (
          <div className="canvas-hud canvas-hud-center">
            <Toolbar
              onAddService={addService}
              onAddDatabase={addDatabase}
              onAddVolume={addVolume}
              onDelete={requestDelete}
              selectionSize={selection.length + selectedEdges.filter((id) => !id.startsWith(MOUNT_EDGE_PREFIX)).length}
            />
          </div>
        )}
        <div className="canvas-hud canvas-hud-right">
          {headerActions}
          <AvatarStack self={self} following={following} onFollow={setFollowing} />
          {readOnly ? null : <DeployButton />}
        </div>
        {followed ? (
          <div className="follow-banner" style={{ background: followed.user.color }} data-testid="following">
            Following {followed.user.name}
            <button type="button" aria-label="Stop following" onClick={() => setFollowing(null)}>
              <CloseIcon size={12} />
            </button>
          </div>
        ) : null}
        <DeploymentDock />
        <DeployToasts />

        {!connection.loaded ? (
          <div className="canvas-overlay">
            <div className="canvas-message card" role="status">
              <span className={`conn-dot conn-dot-${connection.state}`} aria-hidden />
              <p className="muted">
                {connection.refused ?? (connection.state === 'offline' ? 'The canvas server cannot be reached. Retrying…' : 'Loading the canvas…')}
              </p>
            </div>
          </div>
        ) : nodes.length === 0 ? (
          <div className="canvas-overlay">
            <div className="canvas-message card" data-testid="canvas-empty">
              <div className="empty-icon">
                <PlusIcon size={20} />
              </div>
              <h2>Nothing here yet</h2>
              <p className="muted">
                {readOnly
                  ? 'Services, databases and volumes will appear here as your team adds them.'
                  : 'Add a service from an image, a database or a volume with the toolbar above. Connect services by dragging from one node’s edge to another.'}
              </p>
            </div>
          </div>
        ) : null}
      </div>

      {changesOpen ? (
        <StagedChanges doc={session.doc} baseline={baseline} onClose={closeChanges} onSelect={showNode}>
          {readOnly ? null : <DeployForm variant="footer" />}
        </StagedChanges>
      ) : panelId ? (
        <ServicePanel key={panelId} doc={session.doc} serviceId={panelId} readOnly={readOnly} onClose={closePanel} undoOrigin={session.origin} />
      ) : null}

      {deleteRequest ? <DeleteDialog request={deleteRequest} onConfirm={confirmDelete} onCancel={() => setDeleteRequest(null)} /> : null}
    </div>
  );
}

/**
 * Fits the view to the document once it has arrived and its nodes are measured. A component
 * of its own so that, once done, nothing re-checks every node on each frame of a pan.
 */
function FitOnLoad({ empty, onDone }: { empty: boolean; onDone: () => void }) {
  const rf = useReactFlow();
  const initialized = useNodesInitialized();
  useEffect(() => {
    if (empty) return onDone();
    if (!initialized) return;
    performance.mark('canvas:rendered');
    void rf.fitView({ padding: 0.2, maxZoom: 1 }).then(onDone);
  }, [empty, initialized, rf, onDone]);
  return null;
}

function minimapColor(node: CanvasNode): string {
  if (node.data.issues.length) return 'var(--danger)';
  if (node.data.kind === 'database') return 'var(--mm-database)';
  if (node.data.kind === 'volume') return 'var(--mm-volume)';
  return 'var(--mm-service)';
}
