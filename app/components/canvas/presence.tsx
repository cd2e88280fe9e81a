/** Who is here: the avatar stack (click to follow) and other people's live cursors. */
import { useStore as useFlowStore, ViewportPortal } from '@xyflow/react';
import type { CSSProperties } from 'react';
import { Avatar } from '../ui';
import { useCanvas } from './context';
import type { Peer, PresenceUser } from './presence-store';
import { useStore } from './store';

const MAX_AVATARS = 5;

export function AvatarStack({
  self,
  following,
  onFollow,
}: {
  self: PresenceUser;
  following: number | null;
  onFollow: (clientId: number | null) => void;
}) {
  const { session } = useCanvas();
  const people = useStore(session.presence.peopleStore).filter((p) => !p.self);
  const shown = people.slice(0, MAX_AVATARS);
  const hidden = people.slice(MAX_AVATARS);
  return (
    <div className="presence" data-testid="presence" aria-label="People on this canvas">
      {shown.map((p) => {
        const active = following === p.clientId;
        const label = `${p.user.name}${p.idle ? ' (idle)' : ''}`;
        return (
          <button
            key={p.user.id}
            type="button"
            className={`presence-avatar${p.idle ? ' is-idle' : ''}${active ? ' is-following' : ''}`}
            style={{ '--peer': p.user.color } as CSSProperties}
            aria-pressed={active}
            aria-label={active ? `Stop following ${label}` : `Follow ${label}`}
            title={active ? `Following ${label} — click to stop` : `${label} — click to follow`}
            data-idle={p.idle || undefined}
            onClick={() => onFollow(active ? null : p.clientId)}
          >
            <Avatar id={p.user.id} name={p.user.name} size={28} />
          </button>
        );
      })}
      {hidden.length ? (
        <span className="presence-more" title={hidden.map((p) => p.user.name).join(', ')}>
          +{hidden.length}
        </span>
      ) : null}
      <span className="presence-avatar is-self" title={`${self.name} (you)`}>
        <Avatar id={self.id} name={self.name} size={28} />
      </span>
    </div>
  );
}

/** Rendered inside the viewport, so panning moves cursors for free; they keep their size at any zoom. */
export function PeerCursors() {
  const { session } = useCanvas();
  const cursors = useStore(session.presence.cursorStore);
  const zoom = useFlowStore((s) => s.transform[2]);
  return (
    <ViewportPortal>
      {cursors.map((peer) => (
        <Cursor key={peer.clientId} peer={peer} scale={1 / zoom} />
      ))}
    </ViewportPortal>
  );
}

function Cursor({ peer, scale }: { peer: Peer; scale: number }) {
  if (!peer.cursor) return null;
  return (
    <div
      className={`peer-cursor${peer.idle ? ' is-idle' : ''}`}
      data-testid="peer-cursor"
      data-name={peer.user.name}
      style={{
        transform: `translate(${peer.cursor.x}px, ${peer.cursor.y}px) scale(${scale})`,
        color: peer.user.color,
      }}
    >
      <svg width="18" height="20" viewBox="0 0 18 20" aria-hidden>
        <path d="M2 1.5l13 7.2-5.9 1.4-2.9 5.6z" fill="currentColor" stroke="white" strokeWidth="1.4" strokeLinejoin="round" />
      </svg>
      <span className="peer-cursor-name" style={{ background: peer.user.color }}>
        {peer.user.name}
      </span>
    </div>
  );
}
