/**
 * A command is stored as `string[]` (exec form, no shell) but edited as one line of text.
 * Splitting follows POSIX shell quoting closely enough to round-trip what `joinCommand` writes.
 */

export type SplitResult = { ok: true; args: string[] } | { ok: false; error: string };

const WHITESPACE = /\s/;
/** Characters a double-quoted word keeps only when escaped. */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['"', '\\', '$', '`']);

export function splitCommand(text: string): SplitResult {
  const args: string[] = [];
  let word = '';
  let inWord = false; // so that `''` yields an empty argument
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < text.length && DOUBLE_QUOTE_ESCAPABLE.has(text[i + 1])) word += text[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) return { ok: false, error: 'the command ends with a lone "\\"' };
      word += text[++i];
      inWord = true;
    } else if (WHITESPACE.test(ch)) {
      if (inWord) args.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) return { ok: false, error: `close the ${quote === "'" ? 'single' : 'double'} quote` };
  if (inWord) args.push(word);
  return { ok: true, args };
}

const SAFE_WORD = /^[A-Za-z0-9_\-+=.,/:@%^]+$/;

/** One line that `splitCommand` turns back into `args`, quoting only where needed. */
export function joinCommand(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (SAFE_WORD.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  return `"${arg.replace(/["\\$`]/g, (ch) => `\\${ch}`)}"`;
}
