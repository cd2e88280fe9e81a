// .dockerignore, with the Docker CLI's semantics (moby/patternmatcher): patterns
// are anchored at the context root, `*` and `?` stay within one path segment,
// `**` spans any number of segments, `!` re-includes, the last matching pattern
// wins, and a pattern that matches a directory matches everything under it.

type Pattern = { regex: RegExp; exclusion: boolean; text: string };

export class DockerIgnore {
  private readonly patterns: Pattern[];

  constructor(lines: readonly string[]) {
    this.patterns = lines.flatMap((line) => {
      const pattern = parseLine(line);
      return pattern ? [pattern] : [];
    });
  }

  static parse(text: string): DockerIgnore {
    return new DockerIgnore(text.split(/\r?\n/));
  }

  /** There are `!` patterns: an excluded directory may still hold included files. */
  get hasExceptions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** Whether the path (relative to the context root, `/`-separated) is left out of the context. */
  ignores(path: string): boolean {
    const file = normalize(path);
    if (!file) return false;
    const parents = file.split('/').slice(0, -1);
    let matched = false;
    for (const pattern of this.patterns) {
      // An exclusion can only undo a match, an inclusion only make one.
      if (pattern.exclusion !== matched) continue;
      let match = pattern.regex.test(file);
      for (let i = 1; !match && i <= parents.length; i++) match = pattern.regex.test(parents.slice(0, i).join('/'));
      if (match) matched = !pattern.exclusion;
    }
    return matched;
  }
}

function parseLine(raw: string): Pattern | null {
  let line = raw.trim();
  if (!line || line.startsWith('#')) return null;
  const exclusion = line.startsWith('!');
  if (exclusion) line = line.slice(1).trim();
  const text = normalize(line);
  if (!text) return null;
  return { regex: compile(text), exclusion, text };
}

/** Like Go's filepath.Clean, then without a leading slash (patterns and paths are root-relative). */
function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      continue; // above the root is the root
    }
    parts.push(part);
  }
  return parts.join('/');
}

const REGEX_SPECIAL = new Set(['.', '+', '(', ')', '|', '{', '}', '$', '^']);

/** A pattern as an anchored regular expression, as moby's patternmatcher compiles it. */
export function compile(pattern: string): RegExp {
  let out = '^';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i++] as string;
    if (ch === '*') {
      if (pattern[i] === '*') {
        i++;
        if (pattern[i] === '/') i++; // `**/` is `**`
        out += i >= pattern.length ? '.*' : '(.*/)?';
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '\\') {
      // An escaped character is literal.
      const next = pattern[i++];
      if (next !== undefined) out += escapeChar(next);
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i, end);
      i = end + 1;
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body}]`;
    } else {
      out += escapeChar(ch);
    }
  }
  return new RegExp(`${out}$`);
}

function escapeChar(ch: string): string {
  return REGEX_SPECIAL.has(ch) || ch === '[' || ch === ']' || ch === '*' || ch === '?' || ch === '\\' ? `\\${ch}` : ch;
}
