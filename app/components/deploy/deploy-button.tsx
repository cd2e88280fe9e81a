/**
 * Deploying what the canvas holds: a button in the canvas header that opens a small form
 * (an optional message, "Deploy", "Commit without deploy"), and the same form in the
 * staged-changes panel's footer. Only editors see either.
 */
import { Link, useParams } from '@remix-run/react';
import { useEffect, useId, useRef, useState } from 'react';
import { useCanvas } from '../canvas/context';
import type { GraphState } from '../canvas/graph-store';
import type { ConnectionInfo } from '../canvas/session';
import { useStore } from '../canvas/store';
import { useControllerValue, useDeploy } from './context';
import { RocketIcon } from './icons';
import type { BaselineState } from './stores';

const selectChanges = (s: GraphState) => s.changeCount;
const selectInvalid = (s: GraphState) => s.invalidCount;
const selectLive = (c: ConnectionInfo) => c.state === 'live';

function useDeployFacts() {
  const { session } = useCanvas();
  const changes = useStore(session.graph, selectChanges);
  const invalid = useStore(session.graph, selectInvalid);
  const baseline = useControllerValue<BaselineState | null>((c) => c.baseline, null);
  const busy = useControllerValue((c) => c.busy, false);
  // The server commits the document it holds: edits this browser has not sent yet would be left out.
  const synced = useStore(session.connection, selectLive);
  return { changes, invalid, commit: baseline?.commit ?? null, loaded: baseline?.loaded ?? false, busy, synced };
}

/** The form itself; `onDone` after a commit went through. */
export function DeployForm({ onDone, variant }: { onDone?: () => void; variant: 'popover' | 'footer' }) {
  const controller = useDeploy();
  const { changes, invalid, commit, loaded, busy, synced } = useDeployFacts();
  const [message, setMessage] = useState('');
  const messageId = useId();
  const { projectId } = useParams();
  const nothing = loaded && changes === 0;
  const blocked = busy || nothing || !synced;

  const submit = async (deploy: boolean) => {
    if (!controller) return;
    const ok = await controller.commit({ message, deploy });
    if (ok) {
      setMessage('');
      onDone?.();
    }
  };

  const history = `/projects/${projectId}/deployments?env=${controller?.environmentId ?? ''}`;
  const summary = !loaded ? (
    'Loading the last commit…'
  ) : nothing ? (
    commit ? (
      <>
        Nothing to deploy: the canvas matches commit #{commit.number}. To run it again, use Redeploy in the <Link to={history}>history</Link>.
      </>
    ) : (
      'Nothing to deploy yet: add a service first.'
    )
  ) : (
    `${changes} ${changes === 1 ? 'change' : 'changes'} ${commit ? `since commit #${commit.number}` : 'in the first commit'}.`
  );

  return (
    <form
      className={`deploy-form deploy-form-${variant}`}
      aria-label="Deploy"
      onSubmit={(e) => {
        e.preventDefault();
        if (!blocked) void submit(true);
      }}
    >
      {variant === 'popover' ? <div className="deploy-form-title">Deploy this environment</div> : null}
      <label className="deploy-field" htmlFor={messageId}>
        <span>Message</span>
        <textarea
          id={messageId}
          className="input deploy-message"
          placeholder="What changed? (optional)"
          rows={variant === 'popover' ? 2 : 1}
          maxLength={2000}
          value={message}
          autoFocus={variant === 'popover'}
          onChange={(e) => setMessage(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
              e.preventDefault();
              if (!blocked) void submit(true);
            }
          }}
        />
      </label>
      <p className={`deploy-summary${nothing ? ' faint' : ' muted'}`} data-testid="deploy-summary">
        {summary}
      </p>
      {!synced ? (
        <p className="deploy-warning" role="note">
          Not connected: your latest edits have not reached the server yet. Deploy once the canvas is live again.
        </p>
      ) : null}
      {invalid > 0 ? (
        <p className="deploy-warning" role="note">
          {invalid} {invalid === 1 ? 'node has' : 'nodes have'} problems: the server will refuse the commit until they are fixed.
        </p>
      ) : null}
      <div className="deploy-actions">
        <button type="button" className="btn btn-sm" disabled={blocked} onClick={() => void submit(false)}>
          Commit without deploy
        </button>
        <button type="submit" className="btn btn-sm btn-primary" disabled={blocked} data-testid="deploy-submit">
          {busy ? <span className="deploy-spinner" aria-hidden /> : <RocketIcon size={14} />}
          {busy ? 'Deploying…' : 'Deploy'}
        </button>
      </div>
    </form>
  );
}

/** The header button and its popover. */
export function DeployButton() {
  const { changes, busy } = useDeployFacts();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        setOpen(false);
      }
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="deploy-menu" ref={ref}>
      <button
        type="button"
        className="btn btn-primary deploy-btn"
        data-testid="deploy-button"
        aria-expanded={open}
        aria-haspopup="dialog"
        title="Commit the canvas and deploy it"
        onClick={() => setOpen((o) => !o)}
      >
        {busy ? <span className="deploy-spinner" aria-hidden /> : <RocketIcon size={14} />}
        Deploy
        {changes > 0 ? <span className="deploy-count">{changes}</span> : null}
      </button>
      {open ? (
        <div className="deploy-popover" role="dialog" aria-label="Deploy">
          <DeployForm variant="popover" onDone={() => setOpen(false)} />
        </div>
      ) : null}
    </div>
  );
}
