/** What nodes and overlays of one canvas share; the value is stable for the canvas's lifetime. */
import { createContext, useContext } from 'react';
import type { CanvasSession } from './session';

export interface CanvasContextValue {
  session: CanvasSession;
  readOnly: boolean;
}

export const CanvasContext = createContext<CanvasContextValue | null>(null);

export function useCanvas(): CanvasContextValue {
  const value = useContext(CanvasContext);
  if (!value) throw new Error('useCanvas outside of <CanvasContext>');
  return value;
}
