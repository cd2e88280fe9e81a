/** Pieces both side panels share: the close button and closing on Escape. */
import { useEffect, useRef } from 'react';

export function CloseButton({ onClose, label = 'Close panel' }: { onClose: () => void; label?: string }) {
  return (
    <button
      type="button"
      className="btn btn-ghost btn-sm sp-icon-btn"
      aria-label={label}
      title={`${label} (Esc)`}
      onClick={onClose}
    >
      <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden>
        <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
      </svg>
    </button>
  );
}

/** Escape closes the panel unless something inside handled it first (a list, a confirmation). */
export function useEscapeToClose(onClose: () => void): void {
  const latest = useRef(onClose);
  useEffect(() => {
    latest.current = onClose;
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) latest.current();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
