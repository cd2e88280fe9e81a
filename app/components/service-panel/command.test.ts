import { describe, expect, it } from 'vitest';
import { joinCommand, splitCommand } from './command';

function args(text: string): string[] {
  const result = splitCommand(text);
  if (!result.ok) throw new Error(result.error);
  return result.args;
}

describe('splitCommand', () => {
  it('splits on runs of whitespace', () => {
    expect(args('  node   server.js --port 3000 ')).toEqual(['node', 'server.js', '--port', '3000']);
    expect(args('')).toEqual([]);
    expect(args('   ')).toEqual([]);
  });

  it('keeps quoted spaces and joins adjacent quoted parts into one word', () => {
    expect(args(`sh -c 'echo "hi there" && sleep 1'`)).toEqual(['sh', '-c', 'echo "hi there" && sleep 1']);
    expect(args(`--name="my app" x'y'"z"`)).toEqual(['--name=my app', 'xyz']);
  });

  it('treats backslashes like a shell does', () => {
    expect(args('a\\ b')).toEqual(['a b']);
    expect(args(`"say \\"hi\\" for \\$5"`)).toEqual(['say "hi" for $5']);
    // Inside double quotes a backslash before an ordinary character stays.
    expect(args('"C:\\path"')).toEqual(['C:\\path']);
    // Inside single quotes nothing is special.
    expect(args("'a\\b'")).toEqual(['a\\b']);
  });

  it('keeps empty quoted arguments', () => {
    expect(args(`cmd '' ""`)).toEqual(['cmd', '', '']);
  });

  it('reports an unclosed quote or a trailing backslash', () => {
    expect(splitCommand(`echo 'oops`)).toEqual({ ok: false, error: 'close the single quote' });
    expect(splitCommand('echo "oops')).toEqual({ ok: false, error: 'close the double quote' });
    expect(splitCommand('echo \\')).toMatchObject({ ok: false });
  });
});

describe('joinCommand', () => {
  it('leaves plain words alone and quotes the rest', () => {
    expect(joinCommand(['node', 'dist/server.js', '--port=3000'])).toBe('node dist/server.js --port=3000');
    expect(joinCommand(['sh', '-c', 'echo hi && sleep 1'])).toBe(`sh -c 'echo hi && sleep 1'`);
    expect(joinCommand(['echo', "it's"])).toBe(`echo "it's"`);
    expect(joinCommand(['echo', ''])).toBe(`echo ''`);
  });

  it('round-trips through splitCommand', () => {
    const cases: string[][] = [
      ['pg_isready', '-U', 'postgres'],
      ['sh', '-c', `echo "it's $HOME" \\ done`],
      ['', ' ', '\t', 'a"b', "a'b", '$PATH', '`id`', 'back\\slash'],
    ];
    for (const c of cases) expect(args(joinCommand(c))).toEqual(c);
  });
});
