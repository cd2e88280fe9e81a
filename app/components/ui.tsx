import type { InputHTMLAttributes } from 'react';

export function Field({
  label,
  name,
  error,
  hint,
  ...input
}: { label: string; name: string; error?: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        className="input"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...input}
      />
      {error ? (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      ) : hint ? (
        <span className="field-hint">{hint}</span>
      ) : null}
    </div>
  );
}

export function BrandMark() {
  return (
    <span className="brand-mark" aria-hidden>
      <svg width="14" height="14" viewBox="0 0 32 32">
        <path d="M7 10l9-5 9 5v12l-9 5-9-5z" fill="none" stroke="#fff" strokeWidth="3" strokeLinejoin="round" />
      </svg>
    </span>
  );
}

const AVATAR_COLORS = ['#6d4aff', '#e5484d', '#12a594', '#f76b15', '#3e63dd', '#d6409f', '#0090ff', '#46a758'];

/** A stable colour per user id, shared by avatars and (later) live cursors. */
export function userColor(id: string): string {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return AVATAR_COLORS[Math.abs(hash) % AVATAR_COLORS.length];
}

export function Avatar({ id, name, size = 28 }: { id: string; name: string; size?: number }) {
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]?.toUpperCase())
    .join('');
  return (
    <span className="avatar" style={{ background: userColor(id), width: size, height: size }} title={name}>
      {initials || '?'}
    </span>
  );
}

export function timeAgo(value: Date | string | number, now = Date.now()): string {
  const s = Math.round((now - new Date(value).getTime()) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 86400 * 30) return `${Math.round(s / 86400)} d ago`;
  return new Date(value).toLocaleDateString('en', { year: 'numeric', month: 'short', day: 'numeric' });
}

/** The empty-state mark: a stroked cube, drawn as SVG so it never depends on fonts. */
export function EmptyIcon() {
  return (
    <span className="empty-icon" aria-hidden>
      <svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round">
        <path d="M12 3l8 4.5v9L12 21l-8-4.5v-9z" />
        <path d="M4 7.5l8 4.5 8-4.5M12 12v9" />
      </svg>
    </span>
  );
}
