// One spelling per repository, so a webhook's repository (clone URL, SSH URL,
// web URL) matches a service's `source.repo` however either was written.

/** `host/owner/name` for remote URLs, the path for local ones; lowercase, no `.git`, no credentials. */
export function repoKey(url: string): string {
  let u = url.trim();
  const scp = /^[^@/\s]+@([^:/\s]+):(.+)$/.exec(u);
  if (scp) u = `${scp[1]}/${scp[2]}`;
  else if (/^file:\/\//i.test(u)) u = u.replace(/^file:\/\//i, '');
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) {
    try {
      const parsed = new URL(u);
      u = `${parsed.hostname}${parsed.pathname}`;
    } catch {
      // Not a URL after all: compared as written.
    }
  }
  return u
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

/** Whether a service's repo is one of the webhook's spellings of its repository. */
export function sameRepo(serviceRepo: string, webhookUrls: (string | undefined | null)[]): boolean {
  const key = repoKey(serviceRepo);
  return webhookUrls.some((u) => typeof u === 'string' && u.length > 0 && repoKey(u) === key);
}
