/**
 * The canvas header's Share button: makes a read-only link to this environment (copied with one
 * click) and lists the links made so far, with their opens and a Revoke button.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { timeAgo } from '../ui';
import { errorText, shareApi, type ShareLinkView } from './api';
import { Countdown } from './countdown';
import { CheckIcon, CopyIcon, LinkIcon } from './icons';

const DURATIONS = [
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '1 day' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '7 days' },
];

export function ShareButton({ environmentId, environmentName }: { environmentId: string; environmentName: string }) {
  const [open, setOpen] = useState(false);
  const anchor = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!anchor.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  return (
    <div className="share-anchor" ref={anchor}>
      <button
        type="button"
        className={`share-btn${open ? ' is-open' : ''}`}
        data-testid="share-button"
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => setOpen((o) => !o)}
      >
        <LinkIcon size={14} />
        Share
      </button>
      {open ? <SharePanel environmentId={environmentId} environmentName={environmentName} /> : null}
    </div>
  );
}

function SharePanel({ environmentId, environmentName }: { environmentId: string; environmentName: string }) {
  const [links, setLinks] = useState<ShareLinkView[] | null>(null);
  const [hours, setHours] = useState(72);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async () => {
    try {
      setLinks((await shareApi.links(environmentId)).links);
    } catch (e) {
      setError(errorText(e));
    }
  }, [environmentId]);
  useEffect(() => {
    void reload();
  }, [reload]);

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const { url } = await shareApi.create(environmentId, hours);
      setCreated(url);
      await reload();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (id: string) => {
    setError(null);
    try {
      await shareApi.revoke(id);
      await reload();
    } catch (e) {
      setError(errorText(e));
    }
  };

  const active = links?.filter((l) => l.state === 'active') ?? [];
  const ended = links?.filter((l) => l.state !== 'active') ?? [];
  return (
    <div className="share-popover" role="dialog" aria-label={`Share ${environmentName}`} data-testid="share-panel">
      <div className="share-section">
        <h3>Share a read-only link</h3>
        <p className="share-hint">
          Anyone with the link sees this canvas, its live status and public URLs, without an account. Not secrets, logs or other
          environments.
        </p>
        <div className="share-create">
          <label className="share-ttl">
            <span>Expires after</span>
            <select className="input" value={hours} onChange={(e) => setHours(Number(e.target.value))} aria-label="Link expires after">
              {DURATIONS.map((d) => (
                <option key={d.hours} value={d.hours}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-primary btn-sm" onClick={create} disabled={busy} data-testid="create-share-link">
            {busy ? 'Creating…' : 'Create link'}
          </button>
        </div>
        {created ? <CreatedLink url={created} /> : null}
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
      <div className="share-section share-list-section">
        <h4>
          Links <span className="faint">{links ? `${active.length} active` : ''}</span>
        </h4>
        {links === null ? (
          <p className="faint">Loading…</p>
        ) : links.length === 0 ? (
          <p className="faint">No links yet.</p>
        ) : (
          <ul className="share-list" data-testid="share-links">
            {[...active, ...ended].map((link) => (
              <LinkRow key={link.id} link={link} onRevoke={() => void revoke(link.id)} />
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

function CreatedLink({ url }: { url: string }) {
  const [copied, setCopied] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
      setTimeout(() => setCopied(false), 2_000);
    } catch {
      // No clipboard (an insecure context): select it so Ctrl+C works.
      input.current?.select();
    }
  };
  return (
    <div className="share-created">
      <input ref={input} className="input mono" readOnly value={url} aria-label="Share link" data-testid="share-url" onFocus={(e) => e.target.select()} />
      <button type="button" className="btn btn-sm" onClick={copy} data-testid="copy-share-link" aria-live="polite">
        {copied ? <CheckIcon size={13} /> : <CopyIcon size={13} />}
        {copied ? 'Copied' : 'Copy'}
      </button>
      <p className="share-hint">Copy it now: it is shown only once.</p>
    </div>
  );
}

function LinkRow({ link, onRevoke }: { link: ShareLinkView; onRevoke: () => void }) {
  const by = link.createdBy.name ?? link.createdBy.email ?? 'someone';
  return (
    <li className={`share-link is-${link.state}`} data-testid="share-link" data-state={link.state}>
      <div className="share-link-main">
        <span className={`share-state share-state-${link.state}`}>{link.state}</span>
        <span className="share-link-meta">
          {by} · {timeAgo(link.createdAt)}
        </span>
      </div>
      <div className="share-link-sub faint">
        {link.state === 'active' ? <Countdown until={link.expiresAt} /> : link.state === 'revoked' ? `revoked ${timeAgo(link.revokedAt ?? link.createdAt)}` : 'expired'}
        {' · '}
        {link.opens === 0 ? 'never opened' : `opened ${link.opens}× · last ${timeAgo(link.lastOpenedAt ?? link.createdAt)}`}
      </div>
      {link.state === 'active' ? (
        <button type="button" className="btn btn-sm btn-ghost share-revoke" onClick={onRevoke} data-testid="revoke-share-link">
          Revoke
        </button>
      ) : null}
    </li>
  );
}
