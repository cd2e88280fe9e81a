// GitHub and GitLab webhook payloads, reduced to what Containr acts on: a push
// to a branch, or a pull/merge request opened, updated or closed. Parsed with
// zod (loose: forges send much more); anything else is `ignored`.
import { z } from 'zod';
import type { WebhookProvider } from '../../db/schema';

export type RepoRef = { urls: string[]; fullName: string | null };

export type ForgeEvent =
  | { kind: 'push'; repo: RepoRef; branch: string; commit: string }
  | {
      kind: 'pr-open';
      repo: RepoRef;
      number: number;
      title: string;
      baseBranch: string;
      headBranch: string;
      headCommit: string;
      headRepo: RepoRef | null;
    }
  | { kind: 'pr-close'; repo: RepoRef; number: number; merged: boolean }
  | { kind: 'ignored'; reason: string };

const SHA = z.string().regex(/^[0-9a-f]{40,64}$/);
const ZERO = /^0+$/;

const githubRepo = z.looseObject({
  full_name: z.string().optional(),
  clone_url: z.string().optional(),
  ssh_url: z.string().optional(),
  html_url: z.string().optional(),
  git_url: z.string().optional(),
  url: z.string().optional(),
});
const githubPush = z.looseObject({ ref: z.string(), after: z.string(), deleted: z.boolean().optional(), repository: githubRepo });
const githubPr = z.looseObject({
  action: z.string(),
  number: z.number().int().positive(),
  repository: githubRepo,
  pull_request: z.looseObject({
    title: z.string().default(''),
    merged: z.boolean().nullable().optional(),
    head: z.looseObject({ ref: z.string(), sha: SHA, repo: githubRepo.nullable().optional() }),
    base: z.looseObject({ ref: z.string() }),
  }),
});

const gitlabProject = z.looseObject({
  path_with_namespace: z.string().optional(),
  git_http_url: z.string().optional(),
  git_ssh_url: z.string().optional(),
  web_url: z.string().optional(),
  http_url: z.string().optional(),
  url: z.string().optional(),
});
const gitlabPush = z.looseObject({ object_kind: z.literal('push'), ref: z.string(), after: z.string(), project: gitlabProject });
const gitlabMr = z.looseObject({
  object_kind: z.literal('merge_request'),
  project: gitlabProject,
  object_attributes: z.looseObject({
    iid: z.number().int().positive(),
    action: z.string().optional(),
    title: z.string().default(''),
    source_branch: z.string(),
    target_branch: z.string(),
    oldrev: z.string().optional(),
    last_commit: z.looseObject({ id: SHA }),
    source: gitlabProject.optional(),
  }),
});

const branchOf = (ref: string) =>
  ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : ref;

function githubRef(r: z.infer<typeof githubRepo>): RepoRef {
  return { urls: [r.clone_url, r.ssh_url, r.html_url, r.git_url, r.url].filter((u): u is string => !!u), fullName: r.full_name ?? null };
}

function gitlabRef(p: z.infer<typeof gitlabProject>): RepoRef {
  return {
    urls: [p.git_http_url, p.git_ssh_url, p.web_url, p.http_url, p.url].filter((u): u is string => !!u),
    fullName: p.path_with_namespace ?? null,
  };
}

/** The event name a delivery says it is (for the delivery log). */
export function eventName(provider: WebhookProvider, headers: Record<string, string | undefined>): string {
  return (provider === 'github' ? headers['x-github-event'] : headers['x-gitlab-event']) ?? 'unknown';
}

export function parseEvent(provider: WebhookProvider, event: string, body: unknown): ForgeEvent {
  return provider === 'github' ? parseGithub(event, body) : parseGitlab(body);
}

function invalid(error: z.ZodError): ForgeEvent {
  return { kind: 'ignored', reason: `unexpected payload: ${error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}` };
}

function parseGithub(event: string, body: unknown): ForgeEvent {
  if (event === 'ping') return { kind: 'ignored', reason: 'ping' };
  if (event === 'push') {
    const p = githubPush.safeParse(body);
    if (!p.success) return invalid(p.error);
    if (p.data.deleted || ZERO.test(p.data.after)) return { kind: 'ignored', reason: 'branch deleted' };
    if (!SHA.safeParse(p.data.after).success) return { kind: 'ignored', reason: 'no commit in the push' };
    return { kind: 'push', repo: githubRef(p.data.repository), branch: branchOf(p.data.ref), commit: p.data.after };
  }
  if (event === 'pull_request') {
    const p = githubPr.safeParse(body);
    if (!p.success) return invalid(p.error);
    const { action, number, pull_request: pr } = p.data;
    const repo = githubRef(p.data.repository);
    if (action === 'opened' || action === 'reopened' || action === 'synchronize') {
      return {
        kind: 'pr-open',
        repo,
        number,
        title: pr.title,
        baseBranch: pr.base.ref,
        headBranch: pr.head.ref,
        headCommit: pr.head.sha,
        headRepo: pr.head.repo ? githubRef(pr.head.repo) : null,
      };
    }
    if (action === 'closed') return { kind: 'pr-close', repo, number, merged: pr.merged === true };
    return { kind: 'ignored', reason: `pull_request ${action}` };
  }
  return { kind: 'ignored', reason: `event ${event}` };
}

function parseGitlab(body: unknown): ForgeEvent {
  const kind = (body as { object_kind?: unknown } | null)?.object_kind;
  if (kind === 'push' || kind === 'tag_push') {
    const p = gitlabPush.safeParse({ ...(body as object), object_kind: 'push' });
    if (!p.success) return invalid(p.error);
    if (ZERO.test(p.data.after)) return { kind: 'ignored', reason: 'branch deleted' };
    if (!SHA.safeParse(p.data.after).success) return { kind: 'ignored', reason: 'no commit in the push' };
    return { kind: 'push', repo: gitlabRef(p.data.project), branch: branchOf(p.data.ref), commit: p.data.after };
  }
  if (kind === 'merge_request') {
    const p = gitlabMr.safeParse(body);
    if (!p.success) return invalid(p.error);
    const a = p.data.object_attributes;
    const repo = gitlabRef(p.data.project);
    // `update` also fires for a new title or label; only new commits (oldrev) change what to build.
    if (a.action === 'open' || a.action === 'reopen' || (a.action === 'update' && a.oldrev)) {
      return {
        kind: 'pr-open',
        repo,
        number: a.iid,
        title: a.title,
        baseBranch: a.target_branch,
        headBranch: a.source_branch,
        headCommit: a.last_commit.id,
        headRepo: a.source ? gitlabRef(a.source) : null,
      };
    }
    if (a.action === 'close' || a.action === 'merge') return { kind: 'pr-close', repo, number: a.iid, merged: a.action === 'merge' };
    return { kind: 'ignored', reason: `merge_request ${a.action ?? 'without action'}` };
  }
  return { kind: 'ignored', reason: `event ${typeof kind === 'string' ? kind : 'unknown'}` };
}
