/**
 * The Dockerfile a git service was last built with, when Containr generated it for a detected
 * runtime: shown so the user sees what runs, and ejectable (copy, or download as `Dockerfile`)
 * to commit into the repository, after which the repository's own file is used.
 */
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, describeError } from '../deploy/api';
import { useControllerValue, useDeploy } from '../deploy/context';
import { CopyButton } from '../deploy/copy-button';
import type { DeploymentsState } from '../deploy/stores';
import { usePanel } from './panel-context';
import { saveTextFile } from '../save-file';

const NONE: DeploymentsState = { latest: null, events: [], loaded: false };

export interface DockerfileView {
  buildId: string;
  commit: string | null;
  runtime: string | null;
  generated: boolean;
  dockerfile: string | null;
  dockerfilePath: string | null;
  createdAt: string;
}

type Load =
  | { state: 'loading' }
  | { state: 'hidden' }
  | { state: 'none' }
  | { state: 'ready'; view: DockerfileView }
  | { state: 'error'; message: string };

const RUNTIME_LABEL: Record<string, string> = { node: 'Node', static: 'static site', python: 'Python', go: 'Go' };

export function GeneratedDockerfile() {
  const { serviceId } = usePanel();
  const environmentId = useDeploy()?.environmentId;
  const { latest } = useControllerValue((c) => c.deployments, NONE);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const pre = useRef<HTMLPreElement>(null);
  // A deployment ending may have built the service again.
  const latestKey = latest ? `${latest.id}:${latest.status}` : '';

  useEffect(() => {
    if (!environmentId) return;
    let live = true;
    api<DockerfileView>(`/environments/${environmentId}/services/${serviceId}/dockerfile`)
      .then((view) => live && setLoad({ state: 'ready', view }))
      .catch((error: unknown) => {
        if (!live) return;
        if (error instanceof ApiError && error.status === 404) setLoad({ state: 'none' });
        // A share-link guest may not read builds: nothing to show rather than an error.
        else if (error instanceof ApiError && (error.status === 401 || error.status === 403)) setLoad({ state: 'hidden' });
        else setLoad({ state: 'error', message: describeError(error) });
      });
    return () => {
      live = false;
    };
  }, [environmentId, serviceId, latestKey]);

  if (load.state === 'loading' || load.state === 'hidden') return null;
  if (load.state === 'error') return <p className="field-error">Dockerfile: {load.message}</p>;
  if (load.state === 'none')
    return (
      <p className="sp-hint sp-dockerfile-note" data-testid="dockerfile-none">
        After the first build, the Dockerfile it used is shown here.
      </p>
    );
  const { view } = load;
  if (!view.generated || view.dockerfile === null)
    return (
      <p className="sp-hint sp-dockerfile-note" data-testid="dockerfile-own">
        Built with the repository’s own <code>{view.dockerfilePath ?? 'Dockerfile'}</code>
        {view.commit ? (
          <>
            {' '}
            at <code>{view.commit.slice(0, 12)}</code>
          </>
        ) : null}
        .
      </p>
    );

  const text = view.dockerfile;
  const download = () => saveTextFile('Dockerfile', text, 'application/octet-stream');
  const runtime = view.runtime ? RUNTIME_LABEL[view.runtime] ?? view.runtime : 'detected';
  return (
    <div className="sp-dockerfile" data-testid="generated-dockerfile">
      <div className="sp-dockerfile-head">
        <strong>Generated Dockerfile</strong>
        <span className="sp-dockerfile-runtime">{runtime} runtime</span>
      </div>
      <p className="sp-hint sp-dockerfile-note">
        The repository has no Dockerfile, so Containr wrote this one
        {view.commit ? (
          <>
            {' '}
            for <code>{view.commit.slice(0, 12)}</code>
          </>
        ) : null}
        . To take it over, save it as <code>Dockerfile</code> in the root directory and commit it: the next build uses yours.
      </p>
      <pre className="mono" ref={pre} aria-label="Generated Dockerfile">
        {text}
      </pre>
      <div className="row sp-dockerfile-actions">
        <CopyButton text={text} target={() => pre.current} />
        <button type="button" className="btn btn-sm" onClick={download} data-testid="dockerfile-download">
          Download Dockerfile
        </button>
      </div>
    </div>
  );
}
