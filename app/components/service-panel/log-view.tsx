/**
 * The Logs tab's scrolling list: only the rows on screen are in the DOM (fixed-height rows,
 * one line each, scrolled sideways like a terminal), so 5,000 lines cost what 40 do. It
 * follows the newest line while the reader is at the bottom, and keeps the reader's place
 * when the oldest lines leave the view above them.
 */
import { memo, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { LogLine } from '../../../sync';
import type { LogBuffer } from './log-buffer';
import { highlight } from './log-query';

/** Keep in step with `.lg-row` in app/styles/telemetry.css. */
export const ROW_HEIGHT = 20;
const OVERSCAN = 12;

export interface LogViewProps {
  buffer: LogBuffer;
  /** Bumped whenever the buffer changed. */
  version: number;
  terms: string[][];
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
  /** Shown above the first line (Load older, or why there is nothing older). */
  header?: ReactNode;
  /** Shown instead of rows when the buffer is empty. */
  empty?: ReactNode;
}

export function LogView({ buffer, version, terms, follow, onFollowChange, header, empty }: LogViewProps) {
  const ref = useRef<HTMLDivElement>(null);
  const headerRef = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 600 });
  const seenDropped = useRef(buffer.droppedTotal);
  const followRef = useRef(follow);
  followRef.current = follow;
  // Where the list was last scrolled to, by the reader or by us. A scroll event is the
  // reader's only when it moved from there: events of our own scrolling arrive a frame
  // late and must not turn following back on after a click on Pause.
  const lastTop = useRef(0);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setViewport((v) => ({ ...v, height: el.clientHeight })));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Before paint: stay at the bottom when following, else keep the rows under the reader still.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const dropped = buffer.droppedTotal - seenDropped.current;
    seenDropped.current = buffer.droppedTotal;
    if (follow) el.scrollTop = el.scrollHeight;
    else if (dropped > 0) el.scrollTop = Math.max(0, el.scrollTop - dropped * ROW_HEIGHT);
    lastTop.current = el.scrollTop;
    setViewport((v) => (v.top === el.scrollTop ? v : { ...v, top: el.scrollTop }));
  }, [version, follow, buffer]);

  const lines = buffer.lines;
  const offset = headerRef.current?.offsetHeight ?? 0;
  const first = Math.max(0, Math.floor((viewport.top - offset) / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(lines.length, Math.ceil((viewport.top - offset + viewport.height) / ROW_HEIGHT) + OVERSCAN);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) rows.push(<Row key={lines[i].id} line={lines[i]} index={i} terms={terms} />);

  return (
    <div
      className="lg-scroll"
      ref={ref}
      tabIndex={0}
      role="log"
      aria-label="Log lines"
      aria-live="off"
      data-testid="log-view"
      data-lines={lines.length}
      onScroll={(e) => {
        const el = e.currentTarget;
        setViewport((v) => (v.top === el.scrollTop ? v : { ...v, top: el.scrollTop }));
        const moved = el.scrollTop - lastTop.current;
        lastTop.current = el.scrollTop;
        const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT;
        // Up while following pauses; down to the bottom while paused follows again.
        if (followRef.current && moved < 0 && !atBottom) onFollowChange(false);
        else if (!followRef.current && moved > 0 && atBottom) onFollowChange(true);
      }}
    >
      <div ref={headerRef}>{header}</div>
      {lines.length === 0 ? (
        empty
      ) : (
        <div className="lg-rows" style={{ height: lines.length * ROW_HEIGHT, minWidth: `calc(${buffer.longest}ch + 136px)` }}>
          {rows}
        </div>
      )}
    </div>
  );
}

const Row = memo(function Row({ line, index, terms }: { line: LogLine; index: number; terms: string[][] }) {
  const parts = terms.length ? highlight(line.text, terms) : null;
  return (
    <div className={`lg-row lg-${line.stream}`} style={{ top: index * ROW_HEIGHT }} data-testid="log-line" data-stream={line.stream}>
      <span className="lg-time" title={new Date(line.ts).toLocaleString()}>
        {clock(line.ts)}
      </span>
      <span className="lg-text">
        {parts
          ? parts.map((part, i) => (part.match ? <mark key={i}>{part.text}</mark> : part.text))
          : line.text}
      </span>
    </div>
  );
});

/** `14:02:09.123`, local time (Intl is too slow for a flood's worth of rows). */
function clock(ts: number): string {
  const d = new Date(ts);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
