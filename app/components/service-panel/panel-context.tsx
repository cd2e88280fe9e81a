/** What every section of the panel needs: the node's document, how to write, and its issues. */
import { createContext, useContext } from 'react';
import type * as Y from 'yjs';
import type { DeployableSpec, NodePatch } from '../../../sync';
import type { PlacedIssues } from './issues';

export interface PanelContextValue {
  doc: Y.Doc;
  serviceId: string;
  /** Runs `fn` in one transaction tagged with the undo origin; does nothing when read-only. */
  write: (fn: (origin: unknown) => void) => void;
  update: (patch: NodePatch) => void;
  issues: PlacedIssues;
  /** The valid part of the document, for reference suggestions and volume names. */
  spec: DeployableSpec;
}

export const PanelContext = createContext<PanelContextValue | null>(null);

export function usePanel(): PanelContextValue {
  const value = useContext(PanelContext);
  if (!value) throw new Error('usePanel outside <ServicePanel>');
  return value;
}
