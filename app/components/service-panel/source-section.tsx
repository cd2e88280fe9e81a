/** Where a service's image comes from: a registry image, or a git repository built here. */
import { useId } from 'react';
import type { RunnableNode, Source } from '../../../sync';
import { Section, TextField } from './fields';
import { usePanel } from './panel-context';

type SourceType = Source['type'];

export function SourceSection({ node }: { node: RunnableNode }) {
  const { update, issues } = usePanel();
  const { source } = node;
  // Databases are made from preset images; a git source on one (written elsewhere) still shows.
  const offerGit = node.kind === 'service' || source?.type === 'git';
  const setType = (type: SourceType) => {
    if (source?.type === type) return;
    update({ source: type === 'image' ? { type: 'image', image: '' } : { type: 'git', repo: '', branch: 'main' } });
  };
  /** Sets one field of the source, keeping the others (and unknown fields); `''` removes an optional one. */
  const setField = (field: string, text: string, optional = false) => {
    const value = text.trim();
    const next: Record<string, unknown> = { ...(source ?? { type: 'image' }) };
    if (optional && value === '') delete next[field];
    else next[field] = value;
    update({ source: next as Source });
  };

  return (
    <Section title="Source">
      {offerGit ? <SourceToggle value={source?.type} onChange={setType} /> : null}
      {issues.at('source') ? <span className="field-error">{issues.at('source')}</span> : null}
      {source?.type === 'git' ? (
        <>
          <TextField
            label="Repository"
            name="sp-repo"
            className="input mono"
            placeholder="https://github.com/acme/api"
            value={source.repo}
            onCommit={(t) => setField('repo', t)}
            issue={issues.at('source.repo')}
          />
          <div className="sp-grid-2">
            <TextField
              label="Branch"
              name="sp-branch"
              className="input mono"
              placeholder="main"
              value={source.branch}
              onCommit={(t) => setField('branch', t)}
              issue={issues.at('source.branch')}
            />
            <TextField
              label="Root directory"
              name="sp-path"
              className="input mono"
              placeholder="/"
              value={source.path ?? ''}
              onCommit={(t) => setField('path', t, true)}
              issue={issues.at('source.path')}
            />
          </div>
          <TextField
            label="Dockerfile"
            name="sp-dockerfile"
            className="input mono"
            placeholder="Dockerfile"
            value={source.dockerfile ?? ''}
            onCommit={(t) => setField('dockerfile', t, true)}
            issue={issues.at('source.dockerfile')}
            hint="Relative to the root directory."
          />
        </>
      ) : source?.type === 'image' || !offerGit ? (
        <TextField
          label="Image"
          name="sp-image"
          className="input mono"
          placeholder="nginx:1.27"
          value={source?.type === 'image' ? source.image : ''}
          onCommit={(t) => setField('image', t)}
          issue={issues.at('source.image')}
        />
      ) : null}
    </Section>
  );
}

function SourceToggle({ value, onChange }: { value: SourceType | undefined; onChange: (type: SourceType) => void }) {
  const name = useId();
  const options: Array<[SourceType, string]> = [
    ['image', 'Docker image'],
    ['git', 'Git repository'],
  ];
  return (
    <div className="sp-segmented" role="radiogroup" aria-label="Source type">
      {options.map(([type, label]) => (
        <label key={type}>
          <input type="radio" name={name} checked={value === type} onChange={() => onChange(type)} />
          <span>{label}</span>
        </label>
      ))}
    </div>
  );
}
