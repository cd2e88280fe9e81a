/** `.env`-style text pasted into the variables editor: `KEY=value` lines, as most tools write them. */

/** The variables in `text`, in order; `null` when no line has the `KEY=value` shape. */
export function parseEnvText(text: string): Record<string, string> | null {
  const variables: Record<string, string> = {};
  let found = false;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    variables[line.slice(0, eq).trim()] = unquote(line.slice(eq + 1).trim());
    found = true;
  }
  return found ? variables : null;
}

function unquote(value: string): string {
  const quote = value[0];
  if (value.length < 2 || (quote !== '"' && quote !== "'") || !value.endsWith(quote)) return value;
  const inner = value.slice(1, -1);
  if (quote === "'") return inner;
  return inner.replace(/\\([\\"n])/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
}
