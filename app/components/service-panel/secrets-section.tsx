/** Names of secrets a service needs. Values never enter the canvas document. */
import { useState } from 'react';
import type { RunnableNode } from '../../../sync';
import { RemoveButton, Section } from './fields';
import { usePanel } from './panel-context';

export function SecretsSection({ node }: { node: RunnableNode }) {
  const { update, issues } = usePanel();
  const { secretNames } = node;
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const add = () => {
    const name = text.trim();
    if (name === '') return setError('enter a name');
    if (secretNames.includes(name)) return setError(`${name} is already listed`);
    update({ secretNames: [...secretNames, name] });
    setText('');
    setError(undefined);
  };
  return (
    <Section
      title="Secrets"
      hint="Names only. Values are set in the environment's secrets and injected at deploy time; they are never stored on the canvas."
    >
      {secretNames.length ? (
        <ul className="sp-chips" aria-label="Secret names">
          {secretNames.map((name, i) => {
            const issue = issues.at(`secretNames.${i}`);
            return (
              <li key={`${name}-${i}`} className={issue ? 'sp-chip sp-chip-invalid' : 'sp-chip'} title={issue}>
                <svg width="12" height="12" viewBox="0 0 16 16" aria-hidden>
                  <rect
                    x="3"
                    y="7"
                    width="10"
                    height="7"
                    rx="1.5"
                    fill="none"
                    stroke="currentColor"
                    strokeWidth="1.5"
                  />
                  <path d="M5.5 7V5a2.5 2.5 0 015 0v2" fill="none" stroke="currentColor" strokeWidth="1.5" />
                </svg>
                <span className="mono">{name}</span>
                <RemoveButton
                  label={`Remove secret ${name}`}
                  onClick={() => update({ secretNames: secretNames.filter((_, j) => j !== i) })}
                />
              </li>
            );
          })}
        </ul>
      ) : null}
      {secretNames.map((name, i) => {
        const issue = issues.at(`secretNames.${i}`);
        return issue ? <span key={`${name}-${i}-error`} className="field-error">{`${name}: ${issue}`}</span> : null;
      })}
      <div className="sp-add">
        <div className="sp-add-row">
          <input
            className="input mono"
            aria-label="New secret name"
            placeholder="STRIPE_SECRET_KEY"
            spellCheck={false}
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
            Add secret
          </button>
        </div>
        {error ? <span className="field-error">{error}</span> : null}
      </div>
    </Section>
  );
}
