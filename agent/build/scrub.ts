// Keeps deploy credentials out of everything a build reports: log lines, errors.

const MASK = '***';

export type Scrubber = (text: string) => string;

/** Replaces every occurrence of each secret (and its URL-encoded form) with ***. */
export function scrubber(secrets: ReadonlyArray<string | undefined>): Scrubber {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    // A private key is printed line by line, if at all: mask each substantial line.
    for (const piece of secret.includes('\n') ? secret.split(/\r?\n/) : [secret]) {
      const trimmed = piece.trim();
      if (trimmed.length < 4 || /^-----(BEGIN|END) /.test(trimmed)) continue;
      needles.add(trimmed);
      needles.add(encodeURIComponent(trimmed));
    }
  }
  // Longest first, so a secret containing another is masked whole.
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const needle of ordered) if (out.includes(needle)) out = out.split(needle).join(MASK);
    return out;
  };
}

/** The password of a URL's user info (https://user:password@host/…), which must not be shown either. */
export function urlPassword(url: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*?:([^/@\s]+)@/i.exec(url);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/** The URL with its user info masked, for messages. */
export function displayUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/i, `$1${MASK}@`);
}
