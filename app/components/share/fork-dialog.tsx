/**
 * "New preview from <environment>…" in the environment switcher: forks the environment's canvas
 * (and, when asked, its secrets) into a preview that deletes itself after a while.
 */
import { useNavigate } from '@remix-run/react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { createPortal } from 'react-dom';
import { errorText, shareApi } from './api';
import { BranchIcon } from './icons';

const LIFETIMES = [
  { hours: 24, label: '1 day' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '7 days' },
  { hours: 720, label: '30 days' },
];

export function NewPreviewItem({ projectId, from }: { projectId: string; from: { id: string; name: string } }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="menu-item"
        data-testid="new-preview"
        onClick={(event) => {
          // The dialog lives outside the menu, which closes behind it.
          event.currentTarget.closest('details')?.removeAttribute('open');
          setOpen(true);
        }}
      >
        <BranchIcon size={14} />
        New preview from {from.name}…
      </button>
      {open ? createPortal(<ForkDialog projectId={projectId} from={from} onClose={() => setOpen(false)} />, document.body) : null}
    </>
  );
}

function ForkDialog({ projectId, from, onClose }: { projectId: string; from: { id: string; name: string }; onClose: () => void }) {
  const navigate = useNavigate();
  const [name, setName] = useState(() => `${from.name.slice(0, 20)}-pr-${Math.floor(Math.random() * 900 + 100)}`);
  const [hours, setHours] = useState(72);
  const [preview, setPreview] = useState(true);
  const [copySecrets, setCopySecrets] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    first.current?.select();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { environment } = await shareApi.fork(projectId, {
        name: name.trim(),
        from: from.id,
        preview,
        ...(preview ? { ttlHours: hours } : {}),
        copySecrets,
      });
      onClose();
      navigate(`/projects/${projectId}/env/${environment.id}`);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  return (
    <div className="fork-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <form className="card fork-dialog" role="dialog" aria-modal="true" aria-labelledby="fork-title" onSubmit={submit} data-testid="fork-dialog">
        <div className="card-header">
          <h2 id="fork-title">New preview from {from.name}</h2>
        </div>
        <div className="card-body form">
          <p className="muted">
            Copies the canvas of <strong>{from.name}</strong> as it is now. The copy changes on its own from then on; deploy it to get
            its own containers and URLs.
          </p>
          <div className="field">
            <label htmlFor="fork-name">Name</label>
            <input
              id="fork-name"
              ref={first}
              className="input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-invalid={error ? true : undefined}
              autoComplete="off"
            />
            <span className="field-hint">Lowercase letters, digits and dashes; part of its URLs.</span>
          </div>
          <label className="fork-check">
            <input type="checkbox" checked={preview} onChange={(e) => setPreview(e.target.checked)} />
            Delete it automatically (a preview)
          </label>
          {preview ? (
            <div className="field">
              <label htmlFor="fork-ttl">Delete after</label>
              <select id="fork-ttl" className="input" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
                {LIFETIMES.map((l) => (
                  <option key={l.hours} value={l.hours}>
                    {l.label}
                  </option>
                ))}
              </select>
              <span className="field-hint">It can be extended from its canvas.</span>
            </div>
          ) : null}
          <label className="fork-check">
            <input type="checkbox" checked={copySecrets} onChange={(e) => setCopySecrets(e.target.checked)} />
            Copy the secrets of {from.name}
          </label>
          {error ? (
            <div className="alert" role="alert">
              {error}
            </div>
          ) : null}
          <div className="row" style={{ justifyContent: 'flex-end' }}>
            <button type="button" className="btn" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy || name.trim() === ''} data-testid="fork-submit">
              {busy ? 'Creating…' : preview ? 'Create preview' : 'Create environment'}
            </button>
          </div>
        </div>
      </form>
    </div>
  );
}
