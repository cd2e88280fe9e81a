/**
 * A text input over a value that peers may change at any moment. While the input has focus
 * it shows the local draft, never a remote value; the draft is written on Enter, on blur,
 * after a pause in typing (when `debounceMs` is set) and when the input unmounts.
 */
import { useCallback, useEffect, useRef, useState, type ChangeEvent, type KeyboardEvent } from 'react';

/** Writes `text`; returns a message when the text cannot be stored as it is (nothing written). */
export type Commit = (text: string) => string | void;

export const TYPING_PAUSE_MS = 300;

type TextElement = HTMLInputElement | HTMLTextAreaElement;

export interface Draft {
  inputProps: {
    value: string;
    onFocus: () => void;
    onChange: (event: ChangeEvent<TextElement>) => void;
    onBlur: () => void;
    onKeyDown: (event: KeyboardEvent<TextElement>) => void;
  };
  /** Why the draft was not written, if it was not. */
  error: string | undefined;
  /** Replaces the draft as if typed (used by autocomplete). */
  setText: (text: string) => void;
}

export function useDraft(value: string, commit: Commit, options: { debounceMs?: number } = {}): Draft {
  const { debounceMs } = options;
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setErrorState] = useState<string>();
  const errorRef = useRef<string>();
  const latest = useRef({ value, commit });
  const pending = useRef<{ text: string; timer?: ReturnType<typeof setTimeout> } | null>(null);

  useEffect(() => {
    latest.current = { value, commit };
  });

  const setError = useCallback((message: string | undefined) => {
    errorRef.current = message;
    setErrorState(message);
  }, []);

  /** Writes what is pending; true when nothing is left unwritten. */
  const flush = useCallback((): boolean => {
    const p = pending.current;
    if (p) {
      clearTimeout(p.timer);
      pending.current = null;
      const { value: current, commit: write } = latest.current;
      setError(p.text === current ? undefined : write(p.text) ?? undefined);
    }
    return errorRef.current === undefined;
  }, [setError]);

  // Closing the panel (or selecting another node) must not lose what was typed.
  useEffect(() => () => void flush(), [flush]);

  const setText = useCallback(
    (text: string) => {
      setDraft(text);
      if (pending.current) clearTimeout(pending.current.timer);
      pending.current = { text, timer: debounceMs === undefined ? undefined : setTimeout(flush, debounceMs) };
    },
    [debounceMs, flush],
  );

  return {
    error,
    setText,
    inputProps: {
      value: draft ?? value,
      onFocus: () => setDraft((d) => d ?? latest.current.value),
      onChange: (event) => setText(event.target.value),
      onBlur: () => {
        if (flush()) setDraft(null);
      },
      onKeyDown: (event) => {
        if (event.nativeEvent.isComposing) return;
        if (event.key === 'Enter') {
          event.preventDefault(); // a textarea commits on Enter too, rather than adding a line
          flush();
        } else if (event.key === 'Escape' && (errorRef.current !== undefined || pending.current)) {
          // The first Escape abandons an unwritten draft; the next one closes the panel.
          if (pending.current) clearTimeout(pending.current.timer);
          pending.current = null;
          setDraft(latest.current.value);
          setError(undefined);
          event.preventDefault();
        }
      },
    },
  };
}
