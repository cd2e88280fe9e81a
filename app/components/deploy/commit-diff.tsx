/** What one commit changed against the one before it, field by field, as the staged-changes panel shows it. */
import type { SpecDiff } from '../../../sync';
import { KindIcon } from '../service-panel/kind-icon';
import { describeChanges, type ChangeRow } from '../staged-changes/describe-changes';

export function diffSize(diff: SpecDiff): { services: number; edges: number } {
  return {
    services: diff.added.length + diff.removed.length + diff.changed.length,
    edges: diff.edges.added.length + diff.edges.removed.length,
  };
}

export function diffSummary(diff: SpecDiff): string {
  const { services, edges } = diffSize(diff);
  const parts: string[] = [];
  if (diff.added.length) parts.push(`${diff.added.length} added`);
  if (diff.changed.length) parts.push(`${diff.changed.length} changed`);
  if (diff.removed.length) parts.push(`${diff.removed.length} removed`);
  if (edges) parts.push(`${edges} ${edges === 1 ? 'connection' : 'connections'}`);
  return services + edges === 0 ? 'No changes' : parts.join(' · ');
}

export function CommitDiff({ diff }: { diff: SpecDiff }) {
  const { services, edges } = diffSize(diff);
  if (services + edges === 0) return <p className="faint dep-diff-none">Same spec as the commit before.</p>;
  // Every name a connection may mention, from what this diff knows.
  const names = new Map<string, string>();
  for (const s of [...diff.added, ...diff.removed]) names.set(s.serviceId, s.name);
  for (const c of diff.changed) names.set(c.serviceId, c.name);
  const nameOf = (id: string) => names.get(id) ?? 'a service';
  return (
    <div className="dep-diff">
      {diff.added.map((s) => (
        <div key={`+${s.serviceId}`} className="sc-service sc-service-added">
          <div className="sc-service-head">
            <span className={`sp-kind sp-kind-${s.kind}`}>
              <KindIcon kind={s.kind} size={14} />
            </span>
            <span className="sc-name">{s.name}</span>
            <span className="sc-tag sc-tag-added">New</span>
          </div>
        </div>
      ))}
      {diff.changed.map((c) => (
        <div key={`~${c.serviceId}`} className="sc-service sc-service-changed">
          <div className="sc-service-head">
            <span className="sc-name">{c.name}</span>
            <span className="sc-tag sc-tag-changed">Changed</span>
          </div>
          <Rows rows={describeChanges(c.changes)} />
        </div>
      ))}
      {diff.removed.map((s) => (
        <div key={`-${s.serviceId}`} className="sc-service sc-service-removed">
          <div className="sc-service-head">
            <span className={`sp-kind sp-kind-${s.kind}`}>
              <KindIcon kind={s.kind} size={14} />
            </span>
            <span className="sc-name">{s.name}</span>
            <span className="sc-tag sc-tag-removed">Removed</span>
          </div>
        </div>
      ))}
      {edges ? (
        <ul className="dep-diff-edges">
          {diff.edges.added.map((e) => (
            <li key={`+${e.from}>${e.to}`} className="sc-row-added">
              <span className="sc-sign">+</span>
              <span className="mono">{nameOf(e.from)}</span> → <span className="mono">{nameOf(e.to)}</span>
            </li>
          ))}
          {diff.edges.removed.map((e) => (
            <li key={`-${e.from}>${e.to}`} className="sc-row-removed">
              <span className="sc-sign">−</span>
              <span className="mono">{nameOf(e.from)}</span> → <span className="mono">{nameOf(e.to)}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function Rows({ rows }: { rows: ChangeRow[] }) {
  return (
    <div className="sc-rows">
      {rows.map((row) => (
        <div key={row.path} className={`sc-row sc-row-${row.change}`}>
          <span className={row.group ? 'sc-label mono' : 'sc-label'}>
            <span className="sc-sign" aria-hidden>
              {row.change === 'added' ? '+' : row.change === 'removed' ? '−' : '~'}
            </span>
            {row.group ? <span className="faint">var </span> : null}
            {row.label}
          </span>
          <span className="sc-values">
            {row.before !== null ? <del className="mono">{row.before}</del> : null}
            {row.before !== null && row.after !== null ? (
              <span className="sc-arrow" aria-hidden>
                →
              </span>
            ) : null}
            {row.after !== null ? <ins className="mono">{row.after}</ins> : null}
          </span>
        </div>
      ))}
    </div>
  );
}
