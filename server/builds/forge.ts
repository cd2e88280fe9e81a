// Comments on a pull/merge request with the preview's URLs. Off unless
// CONTAINR_FORGE_COMMENTS=true and a token for the forge is set: the server
// may have no network access to the forge at all.
import type { Env } from '../env';
import type { Logger } from '../logger';
import type { ForgeEvent } from './events';

export type Forge = {
  comment(provider: 'github' | 'gitlab', event: Extract<ForgeEvent, { kind: 'pr-open' }>, body: string): Promise<void>;
};

export function createForge(config: Env['builds']['forgeComments'], logger: Logger): Forge {
  return {
    async comment(which, event, body) {
      if (!config.enabled || !event.repo.fullName) return;
      const token = which === 'github' ? config.githubToken : config.gitlabToken;
      if (!token) return;
      const url =
        which === 'github'
          ? `${config.githubApiUrl}/repos/${event.repo.fullName}/issues/${event.number}/comments`
          : `${config.gitlabApiUrl}/projects/${encodeURIComponent(event.repo.fullName)}/merge_requests/${event.number}/notes`;
      const headers: Record<string, string> =
        which === 'github'
          ? { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'content-type': 'application/json' }
          : { 'private-token': token, 'content-type': 'application/json' };
      try {
        const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ body }), signal: AbortSignal.timeout(10_000) });
        if (!res.ok) logger.warn({ status: res.status, pr: event.number }, 'forge comment refused');
      } catch (error) {
        // The preview is deployed either way; the comment is a courtesy.
        logger.warn({ err: error, pr: event.number }, 'forge comment failed');
      }
    },
  };
}
