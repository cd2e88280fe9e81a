/** Inputs bound to one value of the document through a draft (see `use-draft.ts`). */
import { useId, type InputHTMLAttributes, type ReactNode } from 'react';
import { Field } from '~/components/ui';
import { TYPING_PAUSE_MS, useDraft, type Commit } from './use-draft';

type PlainInputProps = Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'defaultValue' | 'onChange' | 'onBlur' | 'onFocus' | 'onKeyDown' | 'name'
>;

interface BoundProps {
  value: string;
  onCommit: Commit;
  /** A validation message for this field. */
  issue?: string;
  /** Write after a pause in typing too, not only on Enter and blur. */
  live?: boolean;
}

/** A labelled input (the app's `Field`). */
export function TextField({
  label,
  name,
  hint,
  value,
  onCommit,
  issue,
  live = true,
  ...input
}: BoundProps & { label: string; name: string; hint?: string } & PlainInputProps) {
  const draft = useDraft(value, onCommit, { debounceMs: live ? TYPING_PAUSE_MS : undefined });
  return <Field label={label} name={name} hint={hint} error={draft.error ?? issue} {...input} {...draft.inputProps} />;
}

/** An input without a visible label, for rows of a list; its error shows below it. */
export function DraftInput({ value, onCommit, issue, live = true, className, ...input }: BoundProps & PlainInputProps) {
  const draft = useDraft(value, onCommit, { debounceMs: live ? TYPING_PAUSE_MS : undefined });
  const errorId = useId();
  const error = draft.error ?? issue;
  return (
    <div className="sp-cell">
      <input
        className={`input ${className ?? ''}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        {...input}
        {...draft.inputProps}
      />
      {error ? (
        <span id={errorId} className="field-error">
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function Section({
  title,
  hint,
  children,
  id,
}: {
  title: string;
  hint?: ReactNode;
  children: ReactNode;
  id?: string;
}) {
  return (
    <section className="sp-section" aria-labelledby={id ? `${id}-title` : undefined}>
      <h3 id={id ? `${id}-title` : undefined}>{title}</h3>
      {hint ? <p className="sp-hint">{hint}</p> : null}
      {children}
    </section>
  );
}

export function RemoveButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button
      type="button"
      className="btn btn-ghost btn-sm sp-icon-btn"
      aria-label={label}
      title={label}
      onClick={onClick}
    >
      <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden>
        <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
      </svg>
    </button>
  );
}

/** `''` clears the field; anything else must be a number. */
export function optionalNumber(apply: (n: number | undefined) => void): Commit {
  return (text) => {
    const trimmed = text.trim();
    if (trimmed === '') return void apply(undefined);
    const n = Number(trimmed);
    if (!Number.isFinite(n)) return 'enter a number';
    apply(n);
  };
}

export function requiredNumber(apply: (n: number) => void): Commit {
  return (text) => {
    const trimmed = text.trim();
    const n = Number(trimmed);
    if (trimmed === '' || !Number.isFinite(n)) return 'enter a number';
    apply(n);
  };
}

export const numberText = (n: number | undefined) => (n === undefined ? '' : String(n));
