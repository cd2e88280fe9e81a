/** Environment variables: one row per key, values may reference other services. */
import { useState, type ClipboardEvent } from 'react';
import { deleteVariable, setVariable, type RunnableNode } from '../../../sync';
import { parseEnvText } from './env-text';
import { DraftInput, RemoveButton, Section } from './fields';
import { usePanel } from './panel-context';
import { ReferenceInput } from './reference-input';
import { referenceSuggestions } from './reference-suggestions';
import { TYPING_PAUSE_MS, useDraft } from './use-draft';

export function VariablesSection({ node }: { node: RunnableNode }) {
  const names = Object.keys(node.variables).sort((a, b) => a.localeCompare(b));
  return (
    <Section
      title="Variables"
      hint={
        <>
          Type <code>{'${{'}</code> to reference another service, e.g. <code>{'${{ db.DATABASE_URL }}'}</code>.
        </>
      }
    >
      {names.length ? (
        <div className="sp-rows" role="list" aria-label="Variables">
          {names.map((name) => (
            <VariableRow key={name} name={name} value={node.variables[name]} variables={node.variables} />
          ))}
        </div>
      ) : null}
      <AddVariable variables={node.variables} />
    </Section>
  );
}

function useSuggest(editing?: string) {
  const { spec, serviceId } = usePanel();
  return (query: string) => referenceSuggestions(spec, serviceId, query, editing);
}

function VariableRow({ name, value, variables }: { name: string; value: string; variables: Record<string, string> }) {
  const { doc, serviceId, write, issues } = usePanel();
  const suggest = useSuggest(name);
  const valueDraft = useDraft(value, (text) => write((origin) => setVariable(doc, serviceId, name, text, origin)), {
    debounceMs: TYPING_PAUSE_MS,
  });
  const rename = (text: string) => {
    const next = text.trim();
    if (next === '') return 'a name is required';
    if (next !== name && next in variables) return `${next} is already set`;
    write((origin) => {
      deleteVariable(doc, serviceId, name, origin);
      setVariable(doc, serviceId, next, value, origin);
    });
  };
  return (
    <div className="sp-var" role="listitem">
      <div className="sp-var-head">
        <DraftInput
          aria-label={`Name of variable ${name}`}
          className="mono sp-var-key"
          value={name}
          live={false}
          spellCheck={false}
          onCommit={rename}
        />
        <RemoveButton
          label={`Remove variable ${name}`}
          onClick={() => write((origin) => deleteVariable(doc, serviceId, name, origin))}
        />
      </div>
      <ReferenceInput
        draft={valueDraft}
        suggest={suggest}
        label={`Value of ${name}`}
        issue={valueDraft.error ?? issues.at(`variables.${name}`)}
      />
    </div>
  );
}

function AddVariable({ variables }: { variables: Record<string, string> }) {
  const { doc, serviceId, write } = usePanel();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const suggest = useSuggest(key.trim());

  const add = () => {
    const name = key.trim();
    if (name === '') return setError('enter a name');
    if (name in variables) return setError(`${name} is already set`);
    write((origin) => setVariable(doc, serviceId, name, value, origin));
    setKey('');
    setValue('');
    setError(undefined);
  };
  /** Pasting `.env` text into the name adds every variable in it at once. */
  const onPaste = (event: ClipboardEvent<HTMLInputElement>) => {
    const parsed = parseEnvText(event.clipboardData.getData('text'));
    if (!parsed) return;
    event.preventDefault();
    write((origin) => {
      for (const [name, v] of Object.entries(parsed)) setVariable(doc, serviceId, name, v, origin);
    });
  };
  const onEnter = (event: { key: string; preventDefault: () => void }) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    add();
  };
  const valueState = {
    setText: setValue,
    inputProps: {
      value,
      onFocus: () => {},
      onBlur: () => {},
      onChange: (event: { target: { value: string } }) => setValue(event.target.value),
      onKeyDown: onEnter,
    },
  };

  return (
    <div className="sp-add sp-var sp-var-new">
      <div className="sp-var-head">
        <input
          className="input mono sp-var-key"
          aria-label="New variable name"
          placeholder="NEW_VARIABLE"
          spellCheck={false}
          value={key}
          aria-invalid={error ? true : undefined}
          onChange={(e) => {
            setKey(e.target.value);
            setError(undefined);
          }}
          onPaste={onPaste}
          onKeyDown={onEnter}
        />
        <button type="button" className="btn btn-sm" onClick={add}>
          Add
        </button>
      </div>
      <ReferenceInput draft={valueState} suggest={suggest} label="New variable value" placeholder="value" />
      {error ? (
        <span className="field-error">{error}</span>
      ) : (
        <span className="field-hint">Paste a .env file into the name to add many at once.</span>
      )}
    </div>
  );
}
