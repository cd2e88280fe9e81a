/** Across the top of a preview's canvas: when it will be deleted, and a button to keep it longer. */
import { useRevalidator } from '@remix-run/react';
import { useState } from 'react';
import { errorText, shareApi } from './api';
import { Countdown } from './countdown';
import { ClockIcon } from './icons';

const EXTEND_HOURS = 24;

export function PreviewBanner({ environmentId, expiresAt, canExtend }: { environmentId: string; expiresAt: string; canExtend: boolean }) {
  const revalidator = useRevalidator();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const extend = async () => {
    setBusy(true);
    setError(null);
    try {
      // From whichever is later, now or the current expiry: extending never shortens.
      const left = Math.max(0, new Date(expiresAt).getTime() - Date.now()) / 3_600_000;
      await shareApi.extend(environmentId, Math.min(720, left + EXTEND_HOURS));
      revalidator.revalidate();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="preview-banner" role="status" data-testid="preview-banner">
      <ClockIcon size={15} />
      <span>
        <strong>Preview environment.</strong> It is deleted, with its containers, volumes and share links, in{' '}
        <Countdown until={expiresAt} className="preview-countdown" bare />
        <span className="faint"> · {new Date(expiresAt).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' })}</span>
      </span>
      {error ? <span className="field-error">{error}</span> : null}
      <span className="spacer" />
      {canExtend ? (
        <button type="button" className="btn btn-sm" onClick={extend} disabled={busy} data-testid="extend-preview">
          {busy ? 'Extending…' : `Extend by ${EXTEND_HOURS} h`}
        </button>
      ) : null}
    </div>
  );
}
