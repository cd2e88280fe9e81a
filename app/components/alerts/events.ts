/**
 * The canvas tells the top bar's bell that alerts changed state, without the two sharing a
 * React tree: a DOM event on `window` (the bell then asks the server for its counts).
 */
import type { LiveAlert } from '../../../sync';

export const ALERTS_CHANGED = 'containr:alerts-changed';

export function announceAlerts(alerts: LiveAlert[]): void {
  window.dispatchEvent(new CustomEvent<LiveAlert[]>(ALERTS_CHANGED, { detail: alerts }));
}

export function onAlertsAnnounced(listener: (alerts: LiveAlert[]) => void): () => void {
  const handler = (event: Event) => listener((event as CustomEvent<LiveAlert[]>).detail);
  window.addEventListener(ALERTS_CHANGED, handler);
  return () => window.removeEventListener(ALERTS_CHANGED, handler);
}
