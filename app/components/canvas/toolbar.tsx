/** The floating toolbar: add a service, a database or a volume; undo, redo; delete the selection. */
import { useEffect, useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import { DATABASE_PRESETS, type DatabasePresetId } from '../../../sync';
import { useCanvas } from './context';
import { KindTile } from './node-card';
import { KindIcon } from '../service-panel';
import { ChevronDownIcon, PlusIcon, RedoIcon, TrashIcon, UndoIcon } from './icons';
import { useStore } from './store';

const isMac = () => typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const modKey = () => (isMac() ? '⌘' : 'Ctrl+');

/** Closes a popover on a click outside `ref` or on Escape. */
export function useDismiss(ref: RefObject<HTMLElement | null>, open: boolean, close: () => void) {
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) close();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        close();
      }
    };
    document.addEventListener('pointerdown', onDown, true);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('pointerdown', onDown, true);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [ref, open, close]);
}

function Menu({
  label,
  icon,
  children,
  testId,
}: {
  label: string;
  icon: ReactNode;
  testId: string;
  children: (close: () => void) => ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(() => setOpen(false)).current;
  useDismiss(ref, open, close);
  return (
    <div className="tool-menu" ref={ref}>
      <button
        type="button"
        className={`tool${open ? ' is-open' : ''}`}
        aria-haspopup="dialog"
        aria-expanded={open}
        data-testid={testId}
        onClick={() => setOpen((o) => !o)}
      >
        {icon}
        <span>{label}</span>
        <ChevronDownIcon size={12} />
      </button>
      {open ? <div className="tool-popover">{children(close)}</div> : null}
    </div>
  );
}

function AddServiceForm({ onAdd, close }: { onAdd: (init: { name: string; image: string }) => void; close: () => void }) {
  const { session } = useCanvas();
  const [name, setName] = useState(() => session.actions.suggestName('web'));
  const [image, setImage] = useState('containr/busybox');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    const i = image.trim();
    if (!n || !i) return;
    onAdd({ name: n, image: i });
    close();
  };
  return (
    <form className="tool-form" onSubmit={submit} aria-label="New service">
      <div className="tool-form-title">New service from an image</div>
      <label className="tool-field">
        <span>Name</span>
        <input
          className="input"
          name="name"
          value={name}
          autoFocus
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
          onChange={(e) => setName(e.target.value.toLowerCase())}
        />
      </label>
      <label className="tool-field">
        <span>Image</span>
        <input className="input mono" name="image" value={image} spellCheck={false} onChange={(e) => setImage(e.target.value)} />
      </label>
      <button className="btn btn-primary btn-sm" type="submit" disabled={!name.trim() || !image.trim()}>
        Add service
      </button>
    </form>
  );
}

export function Toolbar({
  onAddService,
  onAddDatabase,
  onAddVolume,
  onDelete,
  selectionSize,
}: {
  onAddService: (init: { name: string; image: string }) => void;
  onAddDatabase: (preset: DatabasePresetId) => void;
  onAddVolume: () => void;
  onDelete: () => void;
  selectionSize: number;
}) {
  const { session } = useCanvas();
  const { canUndo, canRedo } = useStore(session.undo);
  const mod = modKey();
  return (
    <div className="toolbar" role="toolbar" aria-label="Canvas tools">
      <Menu label="Service" icon={<PlusIcon />} testId="add-service">
        {(close) => <AddServiceForm onAdd={onAddService} close={close} />}
      </Menu>
      <Menu label="Database" icon={<KindIcon kind="database" size={16} />} testId="add-database">
        {(close) => (
          <div className="tool-list" role="menu" aria-label="Databases">
            {(Object.keys(DATABASE_PRESETS) as DatabasePresetId[]).map((id) => (
              <button
                key={id}
                type="button"
                role="menuitem"
                className="menu-item"
                onClick={() => {
                  onAddDatabase(id);
                  close();
                }}
              >
                <KindTile kind="database" size={14} />
                <span style={{ flex: 1 }}>{DATABASE_PRESETS[id].label}</span>
                <span className="faint mono">{DATABASE_PRESETS[id].image}</span>
              </button>
            ))}
          </div>
        )}
      </Menu>
      <button type="button" className="tool" onClick={onAddVolume} data-testid="add-volume" aria-label="Add volume">
        <KindIcon kind="volume" size={16} />
        <span>Volume</span>
      </button>
      <span className="tool-sep" aria-hidden />
      <button type="button" className="tool tool-icon" aria-label="Undo" title={`Undo (${mod}Z)`} disabled={!canUndo} onClick={session.actions.undo}>
        <UndoIcon />
      </button>
      <button
        type="button"
        className="tool tool-icon"
        aria-label="Redo"
        title={`Redo (${mod}Shift+Z)`}
        disabled={!canRedo}
        onClick={session.actions.redo}
      >
        <RedoIcon />
      </button>
      <span className="tool-sep" aria-hidden />
      <button
        type="button"
        className="tool tool-icon tool-danger"
        aria-label="Delete selection"
        title="Delete selection (Delete)"
        disabled={selectionSize === 0}
        onClick={onDelete}
      >
        <TrashIcon />
      </button>
    </div>
  );
}
