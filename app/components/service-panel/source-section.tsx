/** Where a service's image comes from: a registry image, or a git repository built here. */
import { Link, useParams } from '@remix-run/react';
import { useEffect, useId, useState } from 'react';
import type { RunnableNode, Source } from '../../../sync';
import { api } from '../deploy/api';
import { useDeploy } from '../deploy/context';
import { GeneratedDockerfile } from './generated-dockerfile';
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
  /** Sets (or, with `undefined`, removes) a non-text field of a git source. */
  const setGitOption = (field: 'autoDeploy' | 'credentials', value: boolean | string | undefined) => {
    if (source?.type !== 'git') return;
    const next: Record<string, unknown> = { ...source };
    if (value === undefined) delete next[field];
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
            hint="Relative to the root directory. Without one, the runtime is detected and a Dockerfile is generated."
          />
          <CredentialsPicker value={source.credentials} onChange={(name) => setGitOption('credentials', name)} />
          <label className="sp-check">
            <input
              type="checkbox"
              name="sp-auto-deploy"
              checked={source.autoDeploy !== false}
              // Default on: the field is written only when turned off.
              onChange={(e) => setGitOption('autoDeploy', e.currentTarget.checked ? undefined : false)}
            />
            <span>
              Deploy on push
              <span className="sp-check-hint">
                {source.autoDeploy === false
                  ? `A push to ${source.branch || 'the branch'} waits as a staged change until the next Deploy.`
                  : `A push to ${source.branch || 'the branch'} builds and deploys it (needs the project's webhook).`}
              </span>
            </span>
          </label>
          <GeneratedDockerfile />
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

type SecretList = { state: 'loading' } | { state: 'ready'; names: string[] } | { state: 'unavailable' };

/**
 * The deploy credentials: the name of an environment secret (a token or an SSH key). Picked from
 * the environment's secrets; typed when the reader may not list them.
 */
function CredentialsPicker({ value, onChange }: { value: string | undefined; onChange: (name: string | undefined) => void }) {
  const environmentId = useDeploy()?.environmentId;
  const { projectId } = useParams();
  const [secrets, setSecrets] = useState<SecretList>({ state: 'loading' });
  const [reload, setReload] = useState(0);
  useEffect(() => {
    if (!environmentId) return;
    let live = true;
    api<{ secrets: Array<{ name: string }> }>(`/environments/${environmentId}/secrets`)
      .then(({ secrets: list }) => live && setSecrets({ state: 'ready', names: list.map((s) => s.name) }))
      .catch(() => live && setSecrets({ state: 'unavailable' }));
    return () => {
      live = false;
    };
  }, [environmentId, reload]);

  const secretsPage = projectId && environmentId ? `/projects/${projectId}/secrets?env=${environmentId}` : null;
  const hint = (
    <span className="field-hint">
      A secret holding an HTTPS token or an SSH deploy key; its value never reaches the canvas or a log. None for a public
      repository or a local path.{' '}
      {secretsPage ? <Link to={secretsPage}>Add a secret</Link> : null}
    </span>
  );
  if (secrets.state === 'unavailable')
    return (
      <TextField
        label="Deploy credentials"
        name="sp-credentials"
        className="input mono"
        placeholder="secret name (none: a public repository)"
        value={value ?? ''}
        onCommit={(t) => onChange(t.trim() === '' ? undefined : t.trim())}
      />
    );
  const names = secrets.state === 'ready' ? secrets.names : [];
  const missing = value !== undefined && secrets.state === 'ready' && !names.includes(value);
  return (
    <div className="field">
      <label htmlFor="field-sp-credentials">Deploy credentials</label>
      <select
        id="field-sp-credentials"
        name="sp-credentials"
        className="input mono"
        value={value ?? ''}
        aria-invalid={missing ? true : undefined}
        onFocus={() => setReload((n) => n + 1)}
        onChange={(e) => onChange(e.currentTarget.value === '' ? undefined : e.currentTarget.value)}
      >
        <option value="">None</option>
        {value !== undefined && !names.includes(value) ? <option value={value}>{value}</option> : null}
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      {missing ? <span className="field-error">No secret {value} in this environment: add it before deploying.</span> : hint}
    </div>
  );
}
