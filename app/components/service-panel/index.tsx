/**
 * The right-hand panel that edits the selected node of the canvas, live in the Y.Doc. Every
 * write goes through sync's helpers in a transaction tagged `undoOrigin`, so the canvas's
 * Y.UndoManager can undo it; remote edits re-render it without touching what is being typed.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type * as Y from 'yjs';
import {
  isRunnable,
  readService,
  removeService,
  renameService,
  updateService,
  type CanvasNode,
  type DeployableSpec,
  type Issue,
  type NodePatch,
  type ReadResult,
} from '../../../sync';
import panelStyles from '~/styles/panels.css?url';
import { useDeploy } from '../deploy/context';
import { CloseButton, useEscapeToClose } from './chrome';
import { Section, TextField } from './fields';
import { nameRuleMessage, placeIssues } from './issues';
import { KindIcon, kindLabel } from './kind-icon';
import { PanelContext, usePanel, type PanelContextValue } from './panel-context';
import { PanelTabs, TelemetryTabs, usePanelTab } from './panel-tabs';
import { PortsSection } from './ports-section';
import { CommandSection, DeploySection, HealthcheckSection } from './runtime-sections';
import { SecretsSection } from './secrets-section';
import { SourceSection } from './source-section';
import { useShareToken } from './telemetry-api';
import { specAt, useDocSnapshot, validationAt, type DocSnapshot } from './use-doc-snapshot';
import { VariablesSection } from './variables-section';
import { MountsSection, VolumeFields } from './volumes-section';

/** The stylesheet of both panels; add it to the `links` of the route that renders them. */
export { panelStyles };
export { KindIcon, kindLabel } from './kind-icon';

export interface ServicePanelProps {
  doc: Y.Doc;
  serviceId: string;
  readOnly: boolean;
  onClose: () => void;
  /** The transaction origin the canvas's Y.UndoManager tracks. */
  undoOrigin: unknown;
}

interface PanelView {
  read: ReadResult | undefined;
  spec: DeployableSpec;
  /** This node's issues: its schema failures when unreadable, else `validate`'s. */
  issues: Issue[];
}

function readView(snapshot: DocSnapshot, serviceId: string): PanelView {
  const read = readService(snapshot.doc, serviceId);
  const { spec } = specAt(snapshot);
  const issues = !read ? [] : read.ok ? validationAt(snapshot).filter((i) => i.serviceId === serviceId) : read.issues;
  return { read, spec, issues };
}

export function ServicePanel({ doc, serviceId, readOnly, onClose, undoOrigin }: ServicePanelProps) {
  const snapshot = useDocSnapshot(doc);
  const view = useMemo(() => readView(snapshot, serviceId), [snapshot, serviceId]);
  useEscapeToClose(onClose);
  // On a share page, the guest's token reads this environment's logs and metrics.
  const controller = useDeploy();
  const shared = Boolean(controller?.shareToken);
  useShareToken(controller?.environmentId ?? '', controller?.shareToken);
  const [chosenTab, setTab] = usePanelTab(serviceId, shared);
  // Volumes and unreadable nodes run nothing: Settings is all they have.
  const runs = view.read?.ok === true && isRunnable(view.read.value);
  const tab = runs ? chosenTab : 'settings';

  const header = headerOf(view.read);
  const context = useMemo<PanelContextValue>(() => {
    const write = (fn: (origin: unknown) => void) => {
      if (!readOnly) doc.transact(() => fn(undoOrigin), undoOrigin);
    };
    return {
      doc,
      serviceId,
      write,
      update: (patch: NodePatch) => write((origin) => updateService(doc, serviceId, patch, origin)),
      // An unreadable node lists all its issues at the top; its kind does not matter there.
      issues: placeIssues(view.issues, view.read?.ok ? view.read.value.kind : 'service'),
      spec: view.spec,
    };
  }, [doc, serviceId, readOnly, undoOrigin, view]);

  return (
    <aside
      className={`side-panel${tab === 'settings' ? '' : ' side-panel-wide'}`}
      aria-label={`${header.name || 'Unnamed'} settings`}
      data-testid="service-panel"
      data-tab={tab}
    >
      <header className="side-panel-header">
        <span className={`sp-kind sp-kind-${header.kind}`}>
          <KindIcon kind={header.kind} />
        </span>
        <div className="side-panel-title">
          <h2>{header.name || <span className="faint">Unnamed</span>}</h2>
          <span className="side-panel-sub">{kindLabel(header.kind, header.preset)}</span>
        </div>
        <CloseButton onClose={onClose} />
      </header>
      {runs ? <PanelTabs active={tab} onChange={setTab} shared={shared} /> : null}
      {tab !== 'settings' ? (
        <TelemetryTabs key={serviceId} tab={tab} serviceId={serviceId} serviceName={header.name} onTab={setTab} />
      ) : (
        /* Keyed so that drafts never carry over from one node to another. */
        <div className="side-panel-body" key={serviceId} id="sp-tabpanel-settings" role={runs ? 'tabpanel' : undefined}>
          {readOnly ? (
            <p className="sp-readonly" role="note">
              View only. You can look at this environment but not change it.
            </p>
          ) : null}
          {!view.read ? (
            <Removed onClose={onClose} />
          ) : (
            <PanelContext.Provider value={context}>
              <fieldset className="sp-fieldset" disabled={readOnly}>
                {view.read.ok ? (
                  <NodeForm node={view.read.value} onDeleted={readOnly ? null : onClose} />
                ) : (
                  <Unreadable raw={view.read.raw} issues={view.read.issues} onDeleted={readOnly ? null : onClose} />
                )}
              </fieldset>
            </PanelContext.Provider>
          )}
        </div>
      )}
    </aside>
  );
}

function headerOf(read: ReadResult | undefined): { name: string; kind: string; preset?: unknown } {
  if (!read) return { name: '', kind: 'service' };
  if (read.ok) return { name: read.value.name, kind: read.value.kind, preset: read.value.preset };
  const raw = isRecord(read.raw) ? read.raw : {};
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    kind: typeof raw.kind === 'string' ? raw.kind : 'service',
    preset: raw.preset,
  };
}

/** `onDeleted` null: read-only, no Delete button. */
function NodeForm({ node, onDeleted }: { node: CanvasNode; onDeleted: (() => void) | null }) {
  const { issues } = usePanel();
  return (
    <>
      <GeneralIssues issues={issues.general} />
      <NameSection name={node.name} kind={node.kind} />
      {isRunnable(node) ? (
        <>
          <SourceSection node={node} />
          <PortsSection node={node} />
          <VariablesSection node={node} />
          <SecretsSection node={node} />
          <CommandSection node={node} />
          <DeploySection node={node} />
          <HealthcheckSection node={node} />
          <MountsSection node={node} />
        </>
      ) : node.kind === 'volume' ? (
        <VolumeFields node={node} />
      ) : null}
      {onDeleted ? <DeleteSection name={node.name} kind={node.kind} onDeleted={onDeleted} /> : null}
    </>
  );
}

function NameSection({ name, kind }: { name: string; kind: string }) {
  const { doc, serviceId, write, issues, spec } = usePanel();
  const rename = (next: string) =>
    write((origin) => {
      renameService(doc, serviceId, next, origin);
      // Services mount a volume by name; renameService only rewrites variable references.
      if (kind !== 'volume') return;
      for (const [id, service] of Object.entries(spec.services)) {
        if (!isRunnable(service) || !service.volumes.some((v) => v.name === name)) continue;
        const volumes = service.volumes.map((v) => (v.name === name ? { ...v, name: next } : v));
        updateService(doc, id, { volumes }, origin);
      }
    });
  return (
    <section className="sp-section">
      <TextField
        label="Name"
        name="sp-name"
        className="input mono"
        spellCheck={false}
        autoComplete="off"
        value={name}
        // Written on Enter or blur only: each write renames references to this node too.
        live={false}
        onCommit={(text) => {
          const next = text.trim();
          const problem = nameRuleMessage(next);
          if (problem) return problem;
          rename(next);
        }}
        issue={issues.at('name')}
        hint={
          kind === 'volume'
            ? 'Services mount the volume by this name; their mounts follow a rename.'
            : 'Its host name on the private network. References to it are renamed too.'
        }
      />
    </section>
  );
}

const WHOLE_NODE_PATHS = new Set(['', 'dependencies', 'edges']);

/** Issues that no field shows: edges to invalid nodes, dependency cycles, hidden fields. */
function GeneralIssues({ issues }: { issues: Issue[] }) {
  if (!issues.length) return null;
  return (
    <div className="alert sp-issues" role="alert">
      <ul>
        {issues.map((issue, i) => (
          <li key={i}>
            {/* Cycles and connections explain themselves; a hidden field needs its path. */}
            {WHOLE_NODE_PATHS.has(issue.path) ? null : <span className="mono">{issue.path}: </span>}
            {issue.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A node that fails the schema: shows why, and still lets the name and image be fixed. */
function Unreadable({ raw, issues, onDeleted }: { raw: unknown; issues: Issue[]; onDeleted: (() => void) | null }) {
  const { update } = usePanel();
  const fields = isRecord(raw) ? raw : {};
  const source = isRecord(fields.source) ? fields.source : {};
  return (
    <>
      <div className="alert sp-issues" role="alert">
        <p>
          <strong>This node cannot be read</strong>, so it will not be deployed until it is fixed:
        </p>
        <ul>
          {issues.map((issue, i) => (
            <li key={i}>
              <span className="mono">{issue.path || '(node)'}</span>: {issue.message}
            </li>
          ))}
        </ul>
      </div>
      <NameSection name={typeof fields.name === 'string' ? fields.name : ''} kind="node" />
      <Section title="Source">
        <TextField
          label="Image"
          name="sp-image"
          className="input mono"
          placeholder="nginx:1.27"
          value={source.type === 'image' && typeof source.image === 'string' ? source.image : ''}
          onCommit={(text) => update({ source: { type: 'image', image: text.trim() } })}
          hint={source.type === 'git' ? 'Setting an image replaces the git source.' : undefined}
        />
      </Section>
      <details className="sp-raw">
        <summary>Stored fields</summary>
        <pre className="mono">{JSON.stringify(raw, null, 2)}</pre>
      </details>
      {onDeleted ? <DeleteSection name={typeof fields.name === 'string' ? fields.name : ''} kind="node" onDeleted={onDeleted} /> : null}
    </>
  );
}

function Removed({ onClose }: { onClose: () => void }) {
  return (
    <div className="empty">
      <p className="muted">This node is no longer on the canvas. Someone may have deleted it.</p>
      <button type="button" className="btn btn-sm" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

function DeleteSection({ name, kind, onDeleted }: { name: string; kind: string; onDeleted: () => void }) {
  const { doc, serviceId, write } = usePanel();
  const [confirming, setConfirming] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  const noun = kind === 'database' ? 'database' : kind === 'volume' ? 'volume' : kind === 'node' ? 'node' : 'service';
  useEffect(() => {
    if (confirming) cancel.current?.focus();
  }, [confirming]);

  const remove = () => {
    write((origin) => removeService(doc, serviceId, origin));
    onDeleted();
  };
  return (
    <section className="sp-section sp-danger">
      {confirming ? (
        <div
          className="sp-confirm"
          role="alertdialog"
          aria-label={`Delete ${name || 'this node'}?`}
          onKeyDown={(e) => {
            if (e.key !== 'Escape') return;
            e.preventDefault(); // cancels the confirmation, not the panel
            setConfirming(false);
          }}
        >
          <p>
            Delete <strong>{name || `this ${noun}`}</strong> and its connections from the canvas? What is deployed stays
            until the next deploy.
          </p>
          <div className="row">
            <span className="spacer" />
            <button ref={cancel} type="button" className="btn btn-sm" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button type="button" className="btn btn-sm btn-danger-solid" onClick={remove}>
              Delete {noun}
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="btn btn-sm btn-danger" onClick={() => setConfirming(true)}>
          Delete {noun}
        </button>
      )}
    </section>
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
