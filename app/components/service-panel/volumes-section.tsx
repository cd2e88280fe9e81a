/** Volumes a service mounts, and the fields of a volume node itself. */
import { useId, useState } from 'react';
import { isRunnable, type RunnableNode, type VolumeMount, type VolumeNode } from '../../../sync';
import { DraftInput, numberText, optionalNumber, RemoveButton, Section, TextField } from './fields';
import { usePanel } from './panel-context';

/** Names of the volume nodes on the canvas, offered when mounting. */
function useVolumeNames(): string[] {
  const { spec } = usePanel();
  return Object.values(spec.services)
    .filter((n) => n.kind === 'volume')
    .map((n) => n.name)
    .sort();
}

export function MountsSection({ node }: { node: RunnableNode }) {
  const { update, issues } = usePanel();
  const listId = useId();
  const volumeNames = useVolumeNames();
  const { volumes } = node;
  const setVolumes = (next: VolumeMount[]) => update({ volumes: next });
  const setAt = (index: number, field: 'name' | 'mountPath') => (text: string) =>
    void setVolumes(volumes.map((v, i) => (i === index ? { ...v, [field]: text.trim() } : v)));

  return (
    <Section title="Volumes" hint="Data in a volume survives restarts and new deployments.">
      <datalist id={listId}>
        {volumeNames.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      {volumes.length ? (
        <div className="sp-rows" role="list">
          {volumes.map((v, i) => (
            <div className="sp-mount-row" role="listitem" key={i}>
              <DraftInput
                aria-label={`Volume ${i + 1} name`}
                className="mono"
                list={listId}
                value={v.name}
                onCommit={setAt(i, 'name')}
                issue={issues.at(`volumes.${i}.name`)}
              />
              <DraftInput
                aria-label={`Volume ${i + 1} mount path`}
                className="mono"
                value={v.mountPath}
                onCommit={setAt(i, 'mountPath')}
                issue={issues.at(`volumes.${i}.mountPath`)}
              />
              <RemoveButton
                label={`Remove volume ${v.name}`}
                onClick={() => setVolumes(volumes.filter((_, j) => j !== i))}
              />
            </div>
          ))}
        </div>
      ) : null}
      <AddMount listId={listId} onAdd={(mount) => setVolumes([...volumes, mount])} />
    </Section>
  );
}

function AddMount({ listId, onAdd }: { listId: string; onAdd: (mount: VolumeMount) => void }) {
  const [name, setName] = useState('');
  const [mountPath, setMountPath] = useState('');
  const [error, setError] = useState<string>();
  const add = () => {
    if (name.trim() === '') return setError('enter a volume name');
    if (!mountPath.trim().startsWith('/')) return setError('the mount path must be absolute, like /data');
    onAdd({ name: name.trim(), mountPath: mountPath.trim() });
    setName('');
    setMountPath('');
    setError(undefined);
  };
  const onKeyDown = (e: { key: string }) => {
    if (e.key === 'Enter') add();
  };
  return (
    <div className="sp-add">
      <div className="sp-mount-row">
        <input
          className="input mono"
          aria-label="New volume name"
          placeholder="data"
          list={listId}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setError(undefined);
          }}
          onKeyDown={onKeyDown}
        />
        <input
          className="input mono"
          aria-label="New volume mount path"
          placeholder="/data"
          value={mountPath}
          onChange={(e) => {
            setMountPath(e.target.value);
            setError(undefined);
          }}
          onKeyDown={onKeyDown}
        />
        <button type="button" className="btn btn-sm" onClick={add}>
          Add
        </button>
      </div>
      {error ? <span className="field-error">{error}</span> : null}
    </div>
  );
}

export function VolumeFields({ node }: { node: VolumeNode }) {
  const { update, issues, spec } = usePanel();
  const mountedBy = Object.values(spec.services)
    .filter(isRunnable)
    .filter((s) => s.volumes.some((v) => v.name === node.name))
    .map((s) => ({ service: s.name, mountPath: s.volumes.find((v) => v.name === node.name)?.mountPath }));
  return (
    <>
      <section className="sp-section">
        <TextField
          label="Size (MB)"
          name="sp-size"
          inputMode="numeric"
          placeholder="No limit"
          value={numberText(node.sizeMb)}
          onCommit={optionalNumber((sizeMb) => update({ sizeMb }))}
          issue={issues.at('sizeMb')}
        />
      </section>
      <Section title="Mounted by" hint="Services mount a volume by its name, in their Volumes section.">
        {mountedBy.length ? (
          <ul className="sp-mounted">
            {mountedBy.map((m) => (
              <li key={m.service}>
                <span>{m.service}</span>
                <span className="mono faint">{m.mountPath}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="faint">No service mounts this volume yet.</p>
        )}
      </Section>
    </>
  );
}
