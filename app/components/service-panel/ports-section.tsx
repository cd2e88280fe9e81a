/** Container ports; at most one is public (the router gives it a URL). */
import { useId, useState } from 'react';
import type { Port, RunnableNode } from '../../../sync';
import { DraftInput, RemoveButton, requiredNumber, Section } from './fields';
import { usePanel } from './panel-context';

export function PortsSection({ node }: { node: RunnableNode }) {
  const { update, issues } = usePanel();
  const radioName = useId();
  const { ports } = node;
  const setPorts = (next: Port[]) => update({ ports: next });
  const makePublic = (index: number) => setPorts(ports.map((p, i) => withPublic(p, i === index)));
  const anyPublic = ports.some((p) => p.public);

  return (
    <Section title="Ports" hint="Other services reach these ports by this service's name. The public port gets a URL.">
      {ports.length ? (
        <div className="sp-rows" role="list">
          {ports.map((p, i) => (
            <div className="sp-port-row" role="listitem" key={i}>
              <DraftInput
                aria-label={`Port ${i + 1}`}
                className="mono"
                inputMode="numeric"
                value={String(p.port)}
                onCommit={requiredNumber((port) => setPorts(ports.map((q, j) => (j === i ? { ...q, port } : q))))}
                issue={issues.at(`ports.${i}.port`) ?? issues.at(`ports.${i}.public`)}
              />
              <label className="sp-radio">
                <input
                  type="radio"
                  name={radioName}
                  aria-label={`Port ${p.port} public`}
                  checked={p.public === true}
                  onChange={() => makePublic(i)}
                />
                Public
              </label>
              <RemoveButton label={`Remove port ${p.port}`} onClick={() => setPorts(ports.filter((_, j) => j !== i))} />
            </div>
          ))}
          <label className="sp-radio sp-radio-none">
            <input type="radio" name={radioName} checked={!anyPublic} onChange={() => makePublic(-1)} />
            No public port
          </label>
        </div>
      ) : null}
      <AddPort ports={ports} onAdd={(port) => setPorts([...ports, { port }])} />
    </Section>
  );
}

function AddPort({ ports, onAdd }: { ports: Port[]; onAdd: (port: number) => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const add = () => {
    const port = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
      return setError('enter a port from 1 to 65535');
    }
    if (ports.some((p) => p.port === port)) return setError(`port ${port} is already listed`);
    onAdd(port);
    setText('');
    setError(undefined);
  };
  return (
    <div className="sp-add">
      <div className="sp-add-row">
        <input
          className="input mono"
          aria-label="New port"
          inputMode="numeric"
          placeholder={ports.length ? '8080' : '3000'}
          value={text}
          aria-invalid={error ? true : undefined}
          onChange={(e) => {
            setText(e.target.value);
            setError(undefined);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') add();
          }}
        />
        <button type="button" className="btn btn-sm" onClick={add}>
          Add port
        </button>
      </div>
      {error ? <span className="field-error">{error}</span> : null}
    </div>
  );
}

function withPublic(port: Port, isPublic: boolean): Port {
  if (isPublic) return { ...port, public: true };
  const { public: _public, ...rest } = port;
  return rest as Port;
}
