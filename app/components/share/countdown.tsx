/** Time left until a preview or a link expires, kept current while shown. */
import { useEffect, useState } from 'react';

/** "2 d 4 h", "3 h 12 min", "4 min 10 s", "expired". */
export function formatRemaining(ms: number): string {
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m >= 10) return `${m} min`;
  return m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

/** The current time, re-read every `everyMs` (null during SSR and the first render, so markup matches). */
export function useNow(everyMs = 1_000): number | null {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** "3 h 12 min left"; `bare`: "3 h 12 min" (for "deleted in …"). */
export function Countdown({ until, className, bare = false }: { until: string | Date; className?: string; bare?: boolean }) {
  const now = useNow();
  const at = new Date(until);
  const left = now === null ? null : at.getTime() - now;
  return (
    <time className={className} dateTime={at.toISOString()} title={`Expires ${at.toLocaleString()}`} data-testid="countdown">
      {left === null ? '…' : left <= 0 ? 'expired' : bare ? formatRemaining(left) : `${formatRemaining(left)} left`}
    </time>
  );
}
