/**
 * Derives React Flow nodes and edges from an environment's Y.Doc, incrementally. A change to
 * one service rebuilds only that node's objects, and a position-only change keeps the node's
 * `data` object, so memoised cards do not re-render while a peer drags. Local view state
 * (selection, measured sizes, positions of nodes being dragged here) lives beside it.
 */
import { MarkerType, type Edge as FlowEdge, type Node as FlowNode, type XYPosition } from '@xyflow/react';
import type * as Y from 'yjs';
import {
  emptySpec,
  getEdges,
  readService,
  ROOT,
  validate,
  type DeployableSpec,
  type Issue,
  type ReadResult,
} from '../../../sync';
import { stagedChanges } from '../staged-changes/staged';
import { Emitter, type Readable } from './store';

export type NodeKind = 'service' | 'database' | 'volume' | 'unknown';

export type NodeView = {
  kind: NodeKind;
  name: string;
  preset: string | null;
  /** The image, or the repository and branch. */
  source: string | null;
  /** The public port, else the first one. */
  port: { port: number; public: boolean } | null;
  morePorts: number;
  replicas: number | null;
  sizeMb: number | null;
  /** Names of volumes the service mounts. */
  mounts: string[];
  /** Messages of everything wrong with the node; empty when valid. */
  issues: string[];
};

export type CanvasNode = FlowNode<NodeView, 'canvas'>;
export type CanvasEdge = FlowEdge;

export interface GraphState {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  /** Selected node ids, in selection order. */
  selection: string[];
  selectedEdges: string[];
  /** Services and edges added, removed or changed against the baseline, as the staged-changes panel counts them. */
  changeCount: number;
  invalidCount: number;
}

export const MOUNT_EDGE_PREFIX = 'mount:';
const ARROW = { type: MarkerType.ArrowClosed, width: 18, height: 18 } as const;

export class GraphStore extends Emitter implements Readable<GraphState> {
  private readonly services: Y.Map<unknown>;
  private readonly edgesMap: Y.Map<unknown>;
  private reads = new Map<string, ReadResult>();
  private views = new Map<string, NodeView>();
  private positions = new Map<string, XYPosition>();
  private flowNodes = new Map<string, CanvasNode>();
  private flowEdges = new Map<string, CanvasEdge>();
  private readIssues = new Map<string, string[]>();
  private specIssues = new Map<string, string[]>();
  private measured = new Map<string, { width: number; height: number }>();
  private overrides = new Map<string, XYPosition>();
  private selected = new Set<string>();
  private selectedEdges = new Set<string>();

  private dirtyReads = new Set<string>();
  private dirtyNodes = new Set<string>();
  private contentDirty = true;
  private edgesDirty = true;
  private scheduled = false;
  private state: GraphState = { nodes: [], edges: [], selection: [], selectedEdges: [], changeCount: 0, invalidCount: 0 };

  constructor(
    private readonly doc: Y.Doc,
    private baseline: DeployableSpec,
  ) {
    super();
    this.services = doc.getMap<unknown>(ROOT.services);
    this.edgesMap = doc.getMap<unknown>(ROOT.edges);
    this.services.observeDeep(this.onServices);
    this.edgesMap.observeDeep(this.onEdges);
    for (const id of this.services.keys()) this.dirtyReads.add(id);
    this.flush();
  }

  destroy(): void {
    this.services.unobserveDeep(this.onServices);
    this.edgesMap.unobserveDeep(this.onEdges);
  }

  get = (): GraphState => this.state;

  /** The node's current position as shown here (a local drag wins over the document). */
  positionOf(id: string): XYPosition | undefined {
    return this.overrides.get(id) ?? this.positions.get(id);
  }

  sizeOf(id: string): { width: number; height: number } | undefined {
    return this.measured.get(id);
  }

  view(id: string): NodeView | undefined {
    return this.views.get(id);
  }

  ids(): string[] {
    return [...this.views.keys()];
  }

  setBaseline(baseline: DeployableSpec): void {
    this.baseline = baseline;
    this.contentDirty = true;
    this.schedule();
  }

  // ── local view state ──────────────────────────────────────────────────────────────────

  setMeasured(id: string, size: { width: number; height: number }): void {
    const old = this.measured.get(id);
    if (old && old.width === size.width && old.height === size.height) return;
    this.measured.set(id, size);
    this.touch(id);
  }

  /** Shows a node being dragged here at `position` until `clearOverride`, whatever the document says. */
  setOverride(id: string, position: XYPosition): void {
    this.overrides.set(id, position);
    this.touch(id);
  }

  clearOverride(id: string): void {
    if (this.overrides.delete(id)) this.touch(id);
  }

  setSelected(id: string, selected: boolean): void {
    if (selected === this.selected.has(id) || !this.views.has(id)) return;
    if (selected) this.selected.add(id);
    else this.selected.delete(id);
    this.touch(id);
  }

  setEdgeSelected(id: string, selected: boolean): void {
    if (selected === this.selectedEdges.has(id)) return;
    if (selected) this.selectedEdges.add(id);
    else this.selectedEdges.delete(id);
    this.edgesDirty = true;
    this.schedule();
  }

  select(ids: Iterable<string>, edgeIds: Iterable<string> = []): void {
    const next = new Set([...ids].filter((id) => this.views.has(id)));
    for (const id of this.selected) if (!next.has(id)) this.setSelected(id, false);
    for (const id of next) this.setSelected(id, true);
    const nextEdges = new Set(edgeIds);
    for (const id of this.selectedEdges) if (!nextEdges.has(id)) this.setEdgeSelected(id, false);
    for (const id of nextEdges) this.setEdgeSelected(id, true);
  }

  selectAll(): void {
    this.select(this.views.keys(), [...this.flowEdges.values()].filter((e) => e.selectable !== false).map((e) => e.id));
  }

  /** Applies pending changes now instead of at the end of the current task. */
  flushNow(): void {
    if (this.scheduled) this.flush();
  }

  // ── document observers ────────────────────────────────────────────────────────────────

  private onServices = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    for (const event of events) {
      if (event.target === this.services) {
        for (const key of event.changes.keys.keys()) this.dirtyReads.add(key);
        this.contentDirty = true;
        continue;
      }
      const id = event.path[0];
      if (typeof id !== 'string') continue;
      this.dirtyReads.add(id);
      // Moving a node changes nothing deployable: skip validation and the diff for it.
      const layoutOnly = event.path.length === 1 && [...event.changes.keys.keys()].every((key) => key === 'position');
      if (!layoutOnly) this.contentDirty = true;
    }
    this.schedule();
  };

  private onEdges = (): void => {
    this.edgesDirty = true;
    this.contentDirty = true;
    this.schedule();
  };

  private touch(id: string): void {
    this.dirtyNodes.add(id);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // One flush per burst: a remote update or a drag step often changes several nodes.
    queueMicrotask(() => {
      if (this.scheduled) this.flush();
    });
  }

  private flush(): void {
    this.scheduled = false;
    let nodesChanged = false;
    let { changeCount, invalidCount } = this.state;

    for (const id of this.dirtyReads) {
      const read = safeRead(this.doc, id);
      if (!read) {
        if (this.views.delete(id)) nodesChanged = true;
        this.reads.delete(id);
        this.positions.delete(id);
        this.flowNodes.delete(id);
        this.readIssues.delete(id);
        this.measured.delete(id);
        this.overrides.delete(id);
        this.selected.delete(id);
        this.edgesDirty = true;
        continue;
      }
      this.reads.set(id, read);
      this.readIssues.set(id, read.ok ? [] : read.issues.map(describeIssue));
      this.positions.set(id, positionOf(read));
      this.dirtyNodes.add(id);
    }
    this.dirtyReads.clear();

    if (this.contentDirty) {
      this.contentDirty = false;
      this.edgesDirty = true;
      const staged = safeStaged(this.doc, this.baseline);
      const next = new Map<string, string[]>();
      for (const issue of safeValidate(staged.spec)) {
        const list = next.get(issue.serviceId) ?? [];
        list.push(issue.message);
        next.set(issue.serviceId, list);
      }
      for (const id of new Set([...next.keys(), ...this.specIssues.keys()])) {
        if (!sameList(next.get(id), this.specIssues.get(id))) this.dirtyNodes.add(id);
      }
      this.specIssues = next;
      changeCount = staged.count;
    }

    for (const id of this.dirtyNodes) {
      const read = this.reads.get(id);
      if (!read) continue;
      const issues = [...(this.readIssues.get(id) ?? []), ...(this.specIssues.get(id) ?? [])];
      const fresh = viewOf(read, issues);
      const old = this.views.get(id);
      const data = old && sameView(old, fresh) ? old : fresh;
      this.views.set(id, data);
      const position = this.overrides.get(id) ?? this.positions.get(id) ?? { x: 0, y: 0 };
      const measured = this.measured.get(id);
      const prev = this.flowNodes.get(id);
      const selected = this.selected.has(id);
      if (prev && prev.data === data && prev.selected === selected && samePoint(prev.position, position) && prev.measured === measured) {
        continue;
      }
      this.flowNodes.set(id, { id, type: 'canvas', position, data, selected, ...(measured ? { measured } : {}) });
      nodesChanged = true;
    }
    this.dirtyNodes.clear();

    // Keep document order; a node re-added by undo goes back where the map has it.
    let nodes = this.state.nodes;
    if (nodesChanged || nodes.length !== this.flowNodes.size) {
      nodes = [];
      for (const id of this.services.keys()) {
        const node = this.flowNodes.get(id);
        if (node) nodes.push(node);
      }
    }

    if (nodesChanged) {
      invalidCount = 0;
      for (const view of this.views.values()) if (view.issues.length > 0) invalidCount++;
    }

    let edges = this.state.edges;
    if (this.edgesDirty) {
      this.edgesDirty = false;
      edges = this.buildEdges();
    }

    const selection = sameList([...this.selected], this.state.selection) ? this.state.selection : [...this.selected];
    const selectedEdges = sameList([...this.selectedEdges], this.state.selectedEdges)
      ? this.state.selectedEdges
      : [...this.selectedEdges];

    const s = this.state;
    if (
      nodes === s.nodes &&
      edges === s.edges &&
      selection === s.selection &&
      selectedEdges === s.selectedEdges &&
      changeCount === s.changeCount &&
      invalidCount === s.invalidCount
    ) {
      return;
    }
    this.state = { nodes, edges, selection, selectedEdges, changeCount, invalidCount };
    this.emit();
  }

  private buildEdges(): CanvasEdge[] {
    const next = new Map<string, CanvasEdge>();
    const seenEnds = new Set<string>();
    for (const { id, from, to } of getEdges(this.doc)) {
      const ends = `${from}\n${to}`;
      // Two peers connecting the same pair at once leave two entries: show one.
      if (seenEnds.has(ends)) continue;
      seenEnds.add(ends);
      next.set(id, this.edgeObject(id, { source: from, target: to, selected: this.selectedEdges.has(id) }));
    }
    const volumes = new Map<string, string>();
    for (const [id, view] of this.views) if (view.kind === 'volume') volumes.set(view.name, id);
    for (const [id, view] of this.views) {
      for (const name of view.mounts) {
        const volumeId = volumes.get(name);
        if (!volumeId) continue;
        const edgeId = `${MOUNT_EDGE_PREFIX}${id}:${volumeId}`;
        next.set(edgeId, this.edgeObject(edgeId, { source: id, target: volumeId, mount: true }));
      }
    }
    for (const id of this.selectedEdges) if (!next.has(id)) this.selectedEdges.delete(id);
    this.flowEdges = next;
    return [...next.values()];
  }

  private edgeObject(id: string, e: { source: string; target: string; selected?: boolean; mount?: boolean }): CanvasEdge {
    const prev = this.flowEdges.get(id);
    if (prev && prev.source === e.source && prev.target === e.target && (prev.selected ?? false) === (e.selected ?? false)) {
      return prev;
    }
    return e.mount
      ? { id, source: e.source, target: e.target, type: 'floating', className: 'edge-mount', selectable: false, deletable: false, focusable: false }
      : { id, source: e.source, target: e.target, type: 'floating', className: 'edge-link', selected: e.selected ?? false, markerEnd: ARROW };
  }
}

/** The document may hold anything a peer wrote: reading one node must never throw. */
function safeRead(doc: Y.Doc, id: string): ReadResult | undefined {
  try {
    return readService(doc, id);
  } catch (error) {
    return { ok: false, raw: undefined, issues: [{ serviceId: id, path: '', message: String(error) }] };
  }
}

/** The same count the staged-changes panel shows. */
function safeStaged(doc: Y.Doc, baseline: DeployableSpec): { spec: DeployableSpec; count: number } {
  try {
    return stagedChanges(doc, baseline);
  } catch (error) {
    console.error('could not read the canvas document', error);
    return { spec: emptySpec(), count: 0 };
  }
}

function safeValidate(spec: DeployableSpec): Issue[] {
  try {
    return validate(spec);
  } catch (error) {
    console.error('could not validate the canvas document', error);
    return [];
  }
}

function describeIssue(issue: Issue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function positionOf(read: ReadResult): XYPosition {
  const p = asRecord(read.ok ? read.value.position : asRecord(read.raw).position);
  return finite(p.x) && finite(p.y) ? { x: p.x, y: p.y } : { x: 0, y: 0 };
}

const KINDS = new Set<string>(['service', 'database', 'volume']);

export function viewOf(read: ReadResult, issues: string[]): NodeView {
  const raw = asRecord(read.ok ? read.value : read.raw);
  const kind = typeof raw.kind === 'string' && KINDS.has(raw.kind) ? (raw.kind as NodeKind) : 'unknown';
  const name = typeof raw.name === 'string' ? raw.name : '';
  const source = asRecord(raw.source);
  const ports = Array.isArray(raw.ports) ? raw.ports.map(asRecord).filter((p) => finite(p.port)) : [];
  const shown = ports.find((p) => p.public === true) ?? ports[0];
  const mounts = Array.isArray(raw.volumes)
    ? raw.volumes.map((v) => asRecord(v).name).filter((n): n is string => typeof n === 'string' && n !== '')
    : [];
  return {
    kind,
    name,
    preset: typeof raw.preset === 'string' ? raw.preset : null,
    source:
      source.type === 'image' && typeof source.image === 'string' && source.image.trim() !== ''
        ? source.image
        : source.type === 'git' && typeof source.repo === 'string'
          ? `${source.repo.replace(/^https?:\/\//, '')}${typeof source.branch === 'string' && source.branch ? ` @ ${source.branch}` : ''}`
          : null,
    port: shown ? { port: shown.port as number, public: shown.public === true } : null,
    morePorts: Math.max(0, ports.length - 1),
    replicas: finite(raw.replicas) ? raw.replicas : null,
    sizeMb: finite(raw.sizeMb) ? raw.sizeMb : null,
    mounts,
    issues,
  };
}

function sameView(a: NodeView, b: NodeView): boolean {
  return (
    a.kind === b.kind &&
    a.name === b.name &&
    a.preset === b.preset &&
    a.source === b.source &&
    a.port?.port === b.port?.port &&
    a.port?.public === b.port?.public &&
    a.morePorts === b.morePorts &&
    a.replicas === b.replicas &&
    a.sizeMb === b.sizeMb &&
    sameList(a.mounts, b.mounts) &&
    sameList(a.issues, b.issues)
  );
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return (a?.length ?? 0) === 0 && (b?.length ?? 0) === 0;
  return a.every((v, i) => v === b[i]);
}

function samePoint(a: XYPosition, b: XYPosition): boolean {
  return a.x === b.x && a.y === b.y;
}
