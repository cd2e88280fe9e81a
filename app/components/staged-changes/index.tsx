/**
 * What deploying now would change, against the last deployed spec: services added, removed
 * and changed field by field, and connections. Updates live as anyone edits the canvas.
 */
import { useMemo, type ReactNode } from 'react';
import type * as Y from 'yjs';
import type { DeployableSpec, EdgeSpec, Issue, ServiceChange, ServiceSummary } from '../../../sync';
import { CloseButton, useEscapeToClose } from '../service-panel/chrome';
import { KindIcon } from '../service-panel/kind-icon';
import { specAt, useDocSnapshot, validationAt } from '../service-panel/use-doc-snapshot';
import { describeChanges, summarizeNode, type ChangeRow } from './describe-changes';
import { stagedChanges, type Staged, type UnreadableNode } from './staged';

export { panelStyles } from '../service-panel';

export interface StagedChangesProps {
  doc: Y.Doc;
  /** The spec of the last deploy (`emptySpec()` before the first). */
  baseline: DeployableSpec;
  onClose: () => void;
  onSelect: (serviceId: string) => void;
  /** Actions at the bottom of the panel (the canvas puts Deploy there). */
  children?: ReactNode;
}

/** How many changes are staged, for the canvas's badge; the same number the panel shows. */
export function useStagedCount(doc: Y.Doc, baseline: DeployableSpec): number {
  const snapshot = useDocSnapshot(doc);
  return useMemo(() => stagedChanges(snapshot.doc, baseline, specAt(snapshot)).count, [snapshot, baseline]);
}

type Entry =
  | { type: 'added'; summary: ServiceSummary }
  | { type: 'removed'; summary: ServiceSummary }
  | { type: 'changed'; change: ServiceChange }
  | { type: 'unreadable'; node: UnreadableNode };

export function StagedChanges({ doc, baseline, onClose, onSelect, children }: StagedChangesProps) {
  const snapshot = useDocSnapshot(doc);
  const staged = useMemo(() => stagedChanges(snapshot.doc, baseline, specAt(snapshot)), [snapshot, baseline]);
  // Problems that would stop the deploy, by service id.
  const problems = useMemo(() => messagesByService(validationAt(snapshot)), [snapshot]);
  useEscapeToClose(onClose);

  const entries = useMemo(() => entriesOf(staged), [staged]);
  const { edges } = staged.diff;
  const edgeCount = edges.added.length + edges.removed.length;

  return (
    <aside className="side-panel" aria-label="Staged changes" data-testid="staged-changes">
      <header className="side-panel-header">
        <div className="side-panel-title">
          <h2>Staged changes {staged.count ? <span className="badge badge-accent">{staged.count}</span> : null}</h2>
          <span className="side-panel-sub">Compared with the last deploy</span>
        </div>
        <CloseButton onClose={onClose} />
      </header>
      <div className="side-panel-body">
        {staged.count === 0 ? (
          <div className="empty sc-empty">
            <div className="empty-icon" aria-hidden>
              <svg
                width="20"
                height="20"
                viewBox="0 0 20 20"
                fill="none"
                stroke="currentColor"
                strokeWidth="1.8"
                strokeLinecap="round"
                strokeLinejoin="round"
              >
                <path d="M4.5 10.5l3.5 3.5 7.5-8" />
              </svg>
            </div>
            <h3>No changes since the last deploy</h3>
            <p className="muted">Edits on the canvas appear here until you deploy them.</p>
          </div>
        ) : (
          <>
            <p className="sc-summary muted">{summaryLine(entries.length, edgeCount)}</p>
            <ul className="sc-list">
              {entries.map((entry) => (
                <EntryCard
                  key={keyOf(entry)}
                  entry={entry}
                  staged={staged}
                  baseline={baseline}
                  problems={entry.type === 'removed' ? [] : problems.get(idOf(entry)) ?? []}
                  onSelect={onSelect}
                />
              ))}
            </ul>
            {edgeCount ? (
              <section className="sc-edges" aria-label="Connections">
                <h3>Connections</h3>
                <ul>
                  {edges.added.map((e) => (
                    <EdgeRow key={`+${e.from}>${e.to}`} edge={e} added nameOf={staged.nameOf} />
                  ))}
                  {edges.removed.map((e) => (
                    <EdgeRow key={`-${e.from}>${e.to}`} edge={e} added={false} nameOf={staged.nameOf} />
                  ))}
                </ul>
              </section>
            ) : null}
          </>
        )}
      </div>
      {children ? <footer className="side-panel-footer">{children}</footer> : null}
    </aside>
  );
}

function entriesOf(staged: Staged): Entry[] {
  const { added, removed, changed } = staged.diff;
  const entries: Entry[] = [
    ...added.map((summary) => ({ type: 'added' as const, summary })),
    ...changed.map((change) => ({ type: 'changed' as const, change })),
    ...staged.unreadable.map((node) => ({ type: 'unreadable' as const, node })),
    ...removed.map((summary) => ({ type: 'removed' as const, summary })),
  ];
  // Removed services last; the rest by name, as on a list of services.
  const rank = (e: Entry) => (e.type === 'removed' ? 1 : 0);
  return entries.sort((a, b) => rank(a) - rank(b) || nameOf(a).localeCompare(nameOf(b)));
}

function nameOf(entry: Entry): string {
  return entry.type === 'changed'
    ? entry.change.name
    : entry.type === 'unreadable'
    ? entry.node.name
    : entry.summary.name;
}

function idOf(entry: Entry): string {
  return entry.type === 'changed'
    ? entry.change.serviceId
    : entry.type === 'unreadable'
    ? entry.node.serviceId
    : entry.summary.serviceId;
}

function keyOf(entry: Entry): string {
  return `${entry.type}:${idOf(entry)}`;
}

function messagesByService(issues: Issue[]): Map<string, string[]> {
  const messages = new Map<string, string[]>();
  for (const issue of issues) messages.set(issue.serviceId, [...(messages.get(issue.serviceId) ?? []), issue.message]);
  return messages;
}

function summaryLine(services: number, edges: number): string {
  const parts: string[] = [];
  if (services) parts.push(`${services} ${services === 1 ? 'service' : 'services'}`);
  if (edges) parts.push(`${edges} ${edges === 1 ? 'connection' : 'connections'}`);
  return `${parts.join(' and ')} will change when you deploy.`;
}

const TAGS = {
  added: 'New',
  removed: 'Removed',
  changed: 'Changed',
  unreadable: 'Invalid',
} as const;

function EntryCard({
  entry,
  staged,
  baseline,
  problems,
  onSelect,
}: {
  entry: Entry;
  staged: Staged;
  baseline: DeployableSpec;
  /** What `validate` says about the node as it is now. */
  problems: string[];
  onSelect: (serviceId: string) => void;
}) {
  const id = idOf(entry);
  const name = nameOf(entry) || 'Unnamed';
  const kind =
    entry.type === 'added' || entry.type === 'removed'
      ? entry.summary.kind
      : staged.spec.services[id]?.kind ?? baseline.services[id]?.kind ?? 'service';
  const head = (
    <>
      <span className={`sp-kind sp-kind-${kind}`}>
        <KindIcon kind={kind} size={16} />
      </span>
      <span className="sc-name">{name}</span>
      <span className={`sc-tag sc-tag-${entry.type}`}>{TAGS[entry.type]}</span>
      <span className="spacer" />
      {problems.length ? (
        <span className="sc-problems" title={`Fix before deploying:\n${problems.join('\n')}`}>
          {problems.length} {problems.length === 1 ? 'problem' : 'problems'}
        </span>
      ) : null}
    </>
  );

  return (
    <li className={`sc-service sc-service-${entry.type}`}>
      {entry.type === 'removed' ? (
        <div className="sc-service-head">{head}</div>
      ) : (
        <button
          type="button"
          className="sc-service-head"
          onClick={() => onSelect(id)}
          aria-label={`${name}: ${TAGS[entry.type].toLowerCase()}, open its settings`}
        >
          {head}
        </button>
      )}
      <EntryBody entry={entry} staged={staged} baseline={baseline} />
    </li>
  );
}

function EntryBody({ entry, staged, baseline }: { entry: Entry; staged: Staged; baseline: DeployableSpec }) {
  if (entry.type === 'changed') return <ChangeRows rows={describeChanges(entry.change.changes)} />;
  if (entry.type === 'unreadable') {
    return (
      <ul className="sc-issues">
        {entry.node.issues.map((issue, i) => (
          <li key={i}>
            <span className="mono">{issue.path || '(node)'}</span>: {issue.message}
          </li>
        ))}
      </ul>
    );
  }
  const id = entry.summary.serviceId;
  const node = entry.type === 'added' ? staged.spec.services[id] : baseline.services[id];
  return node ? <p className="sc-node-summary mono">{summarizeNode(node)}</p> : null;
}

function ChangeRows({ rows }: { rows: ChangeRow[] }) {
  const fields = rows.filter((r) => r.group === null);
  const variables = rows.filter((r) => r.group === 'Variables');
  return (
    <div className="sc-rows">
      {fields.map((row) => (
        <Row key={row.path} row={row} />
      ))}
      {variables.length ? (
        <>
          <div className="sc-group">Variables</div>
          {variables.map((row) => (
            <Row key={row.path} row={row} mono />
          ))}
        </>
      ) : null}
    </div>
  );
}

function Row({ row, mono = false }: { row: ChangeRow; mono?: boolean }) {
  return (
    <div className={`sc-row sc-row-${row.change}`}>
      <span className={mono ? 'sc-label mono' : 'sc-label'}>
        <span className="sc-sign" aria-hidden>
          {row.change === 'added' ? '+' : row.change === 'removed' ? '−' : '~'}
        </span>
        {row.label}
      </span>
      <span className="sc-values">
        {row.before !== null ? (
          <del className="mono" aria-label={`before: ${row.before}`}>
            {row.before}
          </del>
        ) : null}
        {row.before !== null && row.after !== null ? (
          <span className="sc-arrow" aria-hidden>
            →
          </span>
        ) : null}
        {row.after !== null ? (
          <ins className="mono" aria-label={`after: ${row.after}`}>
            {row.after}
          </ins>
        ) : null}
      </span>
    </div>
  );
}

function EdgeRow({ edge, added, nameOf }: { edge: EdgeSpec; added: boolean; nameOf: (id: string) => string }) {
  return (
    <li className={added ? 'sc-edge sc-row-added' : 'sc-edge sc-row-removed'}>
      <span className="sc-sign" aria-hidden>
        {added ? '+' : '−'}
      </span>
      <span className="mono">{nameOf(edge.from)}</span>
      <span className="sc-arrow" aria-hidden>
        →
      </span>
      <span className="mono">{nameOf(edge.to)}</span>
      <span className="faint">{added ? 'can now reach it' : 'no longer connected'}</span>
    </li>
  );
}
