/** Copies text to the clipboard, saying so for a moment; selects the text where the clipboard is not available. */
import { useEffect, useState } from 'react';
import { CheckIcon, CopyIcon } from './icons';

export function CopyButton({ text, label = 'Copy', target }: { text: string; label?: string; target?: () => HTMLElement | null }) {
  const [copied, setCopied] = useState<'yes' | 'select' | null>(null);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(null), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      // Plain http on another host has no clipboard API: select it so Ctrl+C works.
      const el = target?.();
      if (el) window.getSelection()?.selectAllChildren(el);
      setCopied('select');
    }
  };
  return (
    <button type="button" className="btn btn-sm copy-btn" onClick={() => void copy()} data-testid="copy-button">
      {copied === 'yes' ? <CheckIcon size={14} /> : <CopyIcon size={14} />}
      {copied === 'yes' ? 'Copied' : copied === 'select' ? 'Press Ctrl+C' : label}
    </button>
  );
}
