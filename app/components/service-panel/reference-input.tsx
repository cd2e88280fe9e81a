/** A variable value input that offers `${{ service.VAR }}` references as the user types `${{`. */
import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type SyntheticEvent } from 'react';
import type { Draft } from './use-draft';
import { applySuggestion, referenceAt, type ReferenceContext, type Suggestion } from './reference-suggestions';

const MAX_SHOWN = 8;

export function ReferenceInput({
  draft,
  suggest,
  issue,
  label,
  placeholder,
}: {
  /** The text state: a document-bound draft, or plain local state shaped like one. */
  draft: Pick<Draft, 'inputProps' | 'setText'>;
  suggest: (query: string) => Suggestion[];
  issue?: string;
  label: string;
  placeholder?: string;
}) {
  const id = useId();
  const input = useRef<HTMLTextAreaElement>(null);
  const [context, setContext] = useState<ReferenceContext | null>(null);
  const [active, setActive] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  const caretAfterRender = useRef<number | null>(null);
  const { inputProps, setText } = draft;

  const suggestions = context ? suggest(context.query).slice(0, MAX_SHOWN) : [];
  const open = suggestions.length > 0;
  const activeIndex = Math.min(active, suggestions.length - 1);

  // The input may sit at the bottom of the scrolling panel: bring the list into view.
  useLayoutEffect(() => {
    if (open) list.current?.scrollIntoView({ block: 'nearest' });
  }, [open]);

  // Grows with its content, so a long connection URL is read whole.
  useLayoutEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight + el.offsetHeight - el.clientHeight}px`;
  }, [inputProps.value]);

  useLayoutEffect(() => {
    if (caretAfterRender.current === null || !input.current) return;
    input.current.setSelectionRange(caretAfterRender.current, caretAfterRender.current);
    caretAfterRender.current = null;
  });

  function track(event: SyntheticEvent<HTMLTextAreaElement>) {
    const { value, selectionStart, selectionEnd } = event.currentTarget;
    const next = selectionStart !== null && selectionStart === selectionEnd ? referenceAt(value, selectionStart) : null;
    setContext((current) => (sameContext(current, next) ? current : next));
    if (!sameContext(context, next)) setActive(0);
  }

  function pick(suggestion: Suggestion) {
    if (!context) return;
    const next = applySuggestion(inputProps.value, context, suggestion);
    setText(next.value);
    caretAfterRender.current = next.caret;
    setContext(null);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (!open || event.nativeEvent.isComposing) return inputProps.onKeyDown(event);
    switch (event.key) {
      case 'ArrowDown':
        setActive((activeIndex + 1) % suggestions.length);
        break;
      case 'ArrowUp':
        setActive((activeIndex - 1 + suggestions.length) % suggestions.length);
        break;
      case 'Enter':
      case 'Tab':
        pick(suggestions[activeIndex]);
        break;
      case 'Escape': // closes the list, not the panel
        setContext(null);
        break;
      default:
        return inputProps.onKeyDown(event);
    }
    event.preventDefault();
  }

  const listId = `${id}-list`;
  const errorId = `${id}-error`;
  return (
    <div className="sp-cell">
      <div className="sp-ref">
        <textarea
          ref={input}
          rows={1}
          className="input mono sp-value"
          role="combobox"
          aria-label={label}
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? `${id}-opt-${activeIndex}` : undefined}
          aria-invalid={issue ? true : undefined}
          aria-describedby={issue ? errorId : undefined}
          autoComplete="off"
          spellCheck={false}
          placeholder={placeholder}
          {...inputProps}
          onChange={(event) => {
            inputProps.onChange(event);
            track(event);
          }}
          onSelect={track}
          onKeyDown={onKeyDown}
          onBlur={() => {
            setContext(null);
            inputProps.onBlur();
          }}
        />
        {open ? (
          <ul ref={list} className="sp-suggestions" role="listbox" id={listId} aria-label="References">
            {suggestions.map((s, i) => (
              <li
                key={s.label}
                id={`${id}-opt-${i}`}
                role="option"
                aria-selected={i === activeIndex}
                // Keeps focus (and the draft) in the input.
                onMouseDown={(event) => {
                  event.preventDefault();
                  pick(s);
                }}
                onMouseEnter={() => setActive(i)}
              >
                <span className="mono">
                  <span className="sp-suggestion-service">{s.service}.</span>
                  {s.variable}
                </span>
                <span className="sp-suggestion-detail">{s.self ? `this service · ${s.detail}` : s.detail}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {issue ? (
        <span id={errorId} className="field-error">
          {issue}
        </span>
      ) : null}
    </div>
  );
}

function sameContext(a: ReferenceContext | null, b: ReferenceContext | null): boolean {
  return a === b || (a !== null && b !== null && a.start === b.start && a.end === b.end && a.query === b.query);
}
