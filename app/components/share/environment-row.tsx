/**
 * One environment in the project settings' list: its name (renamed in place) and, for a
 * preview, the images that replace its services' committed ones (e.g. `web` runs `myapp:pr-42`).
 * Both go through PATCH /api/environments/:id; the page then reloads its data.
 */
import { useRevalidator } from '@remix-run/react';
import { useState, type FormEvent, type ReactNode } from 'react';
import { errorText, shareApi } from './api';

export type EnvironmentRowData = {
  id: string;
  name: string;
  kind: 'standard' | 'preview';
  imageOverrides: Record<string, string> | null;
  /** Its services at the latest commit: what an override replaces. */
  services: { name: string; source: string }[];
};

type Editing = 'none' | 'name' | 'images';

/** What the API accepts (server/http/environments-api.ts), checked here to say which field is wrong. */
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

export function EnvironmentRow({
  environment,
  editable,
  meta,
  actions,
}: {
  environment: EnvironmentRowData;
  editable: boolean;
  meta: ReactNode;
  actions: ReactNode;
}) {
  const [editing, setEditing] = useState<Editing>('none');
  const overrides = Object.keys(environment.imageOverrides ?? {}).length;
  const preview = environment.kind === 'preview';
  return (
    <li className="env-row" data-testid="environment-row" data-name={environment.name}>
      <div className="env-row-main">
        {editing === 'name' ? (
          <RenameForm environment={environment} onDone={() => setEditing('none')} />
        ) : (
          <>
            <span className="env-row-name">{environment.name}</span>
            {preview ? <span className="badge badge-accent">preview</span> : null}
            {overrides ? (
              <span
                className="badge"
                title={Object.entries(environment.imageOverrides ?? {})
                  .map(([s, i]) => `${s} → ${i}`)
                  .join('\n')}
              >
                {overrides} {overrides === 1 ? 'image' : 'images'} overridden
              </span>
            ) : null}
            <span className="spacer" />
            {meta}
            {editable ? (
              <>
                <button type="button" className="btn btn-sm btn-ghost" onClick={() => setEditing('name')} data-testid="rename-environment">
                  Rename
                </button>
                {preview ? (
                  <button
                    type="button"
                    className="btn btn-sm btn-ghost"
                    aria-expanded={editing === 'images'}
                    onClick={() => setEditing(editing === 'images' ? 'none' : 'images')}
                    data-testid="environment-images"
                  >
                    Images
                  </button>
                ) : null}
              </>
            ) : null}
            {actions}
          </>
        )}
      </div>
      {editing === 'images' ? <ImageOverrides environment={environment} onDone={() => setEditing('none')} /> : null}
    </li>
  );
}

function RenameForm({ environment, onDone }: { environment: EnvironmentRowData; onDone: () => void }) {
  const revalidator = useRevalidator();
  const [name, setName] = useState(environment.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const next = name.trim();
    if (next === environment.name) return onDone();
    setBusy(true);
    setError(null);
    try {
      await shareApi.rename(environment.id, next);
      revalidator.revalidate();
      onDone();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="env-rename" onSubmit={submit} aria-label={`Rename ${environment.name}`}>
      <div className="env-rename-field">
        <input
          className="input mono"
          aria-label="Environment name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onDone();
          }}
          spellCheck={false}
          autoFocus
          aria-invalid={error ? true : undefined}
        />
        {error ? (
          <span className="field-error" role="alert">
            {error}
          </span>
        ) : (
          <span className="field-hint">Its public URLs follow the new name.</span>
        )}
      </div>
      <button type="button" className="btn btn-sm" onClick={onDone}>
        Cancel
      </button>
      <button type="submit" className="btn btn-sm btn-primary" disabled={busy || name.trim() === ''}>
        {busy ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}

function ImageOverrides({ environment, onDone }: { environment: EnvironmentRowData; onDone: () => void }) {
  const revalidator = useRevalidator();
  const current = environment.imageOverrides ?? {};
  // The services of the latest commit, and any overridden name no longer among them.
  const rows = [
    ...environment.services,
    ...Object.keys(current)
      .filter((name) => !environment.services.some((s) => s.name === name))
      .map((name) => ({ name, source: 'not in the latest commit' })),
  ];
  const [values, setValues] = useState<Record<string, string>>(() => ({
    ...current,
  }));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const overrides: Record<string, string> = {};
    for (const [name, image] of Object.entries(values)) if (image.trim()) overrides[name] = image.trim();
    const bad = Object.entries(overrides).find(([, image]) => !IMAGE_REF.test(image));
    if (bad) return setError(`${bad[0]}: “${bad[1]}” is not an image reference (such as myapp:pr-42).`);
    setBusy(true);
    setError(null);
    try {
      await shareApi.setImages(environment.id, overrides);
      revalidator.revalidate();
      onDone();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="env-images" onSubmit={submit} aria-label={`Images of ${environment.name}`} data-testid="image-overrides">
      <p className="field-hint">
        An image here runs instead of the service’s committed source in this preview only, from the next reconcile on (no commit needed).
        Leave a field empty to run what is committed.
      </p>
      {rows.length === 0 ? (
        <p className="muted">Nothing is committed in this preview yet: deploy it first, then override its images here.</p>
      ) : (
        <div className="env-images-grid">
          {rows.map((row) => (
            <label key={row.name} className="env-image-row">
              <span className="mono env-image-name">{row.name}</span>
              <span className="faint mono env-image-source" title={row.source}>
                {row.source}
              </span>
              <input
                className="input mono"
                aria-label={`Image for ${row.name}`}
                placeholder="myapp:pr-42"
                value={values[row.name] ?? ''}
                onChange={(e) => {
                  setValues((v) => ({ ...v, [row.name]: e.target.value }));
                  setError(null);
                }}
                spellCheck={false}
              />
            </label>
          ))}
        </div>
      )}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="row env-images-actions">
        <span className="spacer" />
        <button type="button" className="btn btn-sm" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-sm btn-primary" disabled={busy || rows.length === 0}>
          {busy ? 'Saving…' : 'Save images'}
        </button>
      </div>
    </form>
  );
}
