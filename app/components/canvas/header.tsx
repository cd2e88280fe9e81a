/** The canvas header: connection state, staged changes, view-only badge. */
import { useCanvas } from './context';
import type { GraphState } from './graph-store';
import { EyeIcon, LayersIcon } from './icons';
import { useStore } from './store';
import type { ConnectionState } from './session';

const CONNECTION_LABEL: Record<ConnectionState, string> = { connecting: 'Connecting…', live: 'Live', offline: 'Offline' };
const CONNECTION_HINT: Record<ConnectionState, string> = {
  connecting: 'Connecting to the canvas server',
  live: 'Connected: changes are shared as you make them',
  offline: 'Offline: your changes are kept here and sent when the connection is back',
};

export function ConnectionBadge() {
  const { session } = useCanvas();
  const { state, refused } = useStore(session.connection);
  return (
    <span className={`conn conn-${state}`} data-testid="connection" data-state={state} title={refused ?? CONNECTION_HINT[state]} role="status">
      <span className="conn-dot" aria-hidden />
      {CONNECTION_LABEL[state]}
    </span>
  );
}

export function ViewOnlyBadge() {
  return (
    <span className="view-only" data-testid="view-only" title="You can look and follow others, but not change this canvas">
      <EyeIcon size={14} />
      View only
    </span>
  );
}

/** Opens the staged-changes panel; the count is what deploying now would change. */
export function StagedChangesButton({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  const { session } = useCanvas();
  const count = useStore(session.graph, selectChangeCount);
  return (
    <button
      type="button"
      className={`changes-btn${count ? ' has-changes' : ''}${open ? ' is-open' : ''}`}
      data-testid="staged-changes-button"
      data-count={count}
      aria-pressed={open}
      aria-label={count ? `${count} staged ${count === 1 ? 'change' : 'changes'}` : 'No staged changes'}
      title="Changes on the canvas that are not deployed yet"
      onClick={onToggle}
    >
      <LayersIcon size={14} />
      {count ? (
        <>
          <span className="changes-count">{count}</span> {count === 1 ? 'change' : 'changes'}
        </>
      ) : (
        'No changes'
      )}
    </button>
  );
}

const selectChangeCount = (s: GraphState) => s.changeCount;
