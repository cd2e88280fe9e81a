import { describe, expect, it } from 'vitest';
import { DockerIgnore } from './dockerignore';

const ignores = (rules: string, path: string) => DockerIgnore.parse(rules).ignores(path);

describe('.dockerignore matching', () => {
  it('anchors patterns at the context root', () => {
    expect(ignores('secret.txt', 'secret.txt')).toBe(true);
    expect(ignores('secret.txt', 'sub/secret.txt')).toBe(false);
    expect(ignores('/secret.txt', 'secret.txt')).toBe(true);
    expect(ignores('./secret.txt', 'secret.txt')).toBe(true);
  });

  it('keeps * and ? within one segment, and ** across segments', () => {
    expect(ignores('*.log', 'a.log')).toBe(true);
    expect(ignores('*.log', 'logs/a.log')).toBe(false);
    expect(ignores('*/*.log', 'logs/a.log')).toBe(true);
    expect(ignores('**/*.log', 'a.log')).toBe(true);
    expect(ignores('**/*.log', 'x/y/z/a.log')).toBe(true);
    expect(ignores('a/**/b', 'a/b')).toBe(true);
    expect(ignores('a/**/b', 'a/x/y/b')).toBe(true);
    expect(ignores('a/**', 'a/x/y')).toBe(true);
    expect(ignores('file?.txt', 'file1.txt')).toBe(true);
    expect(ignores('file?.txt', 'file10.txt')).toBe(false);
    expect(ignores('file[0-9].txt', 'file7.txt')).toBe(true);
    expect(ignores('file[!0-9].txt', 'file7.txt')).toBe(false);
    expect(ignores('file[!0-9].txt', 'filex.txt')).toBe(true);
  });

  it('treats dots and other regex characters literally', () => {
    expect(ignores('a.txt', 'abtxt')).toBe(false);
    expect(ignores('(x)+', '(x)+')).toBe(true);
    expect(ignores('\\*star', '*star')).toBe(true);
    expect(ignores('\\*star', 'xstar')).toBe(false);
  });

  it('excludes everything under a matched directory, trailing slash or not', () => {
    expect(ignores('node_modules', 'node_modules/x/index.js')).toBe(true);
    expect(ignores('node_modules/', 'node_modules/x/index.js')).toBe(true);
    expect(ignores('build', 'src/build')).toBe(false);
  });

  it('lets the last matching pattern win, with ! re-including', () => {
    const rules = '*.md\n!README.md\n';
    expect(ignores(rules, 'CHANGES.md')).toBe(true);
    expect(ignores(rules, 'README.md')).toBe(false);
    expect(ignores('!README.md\n*.md', 'README.md')).toBe(true);
    const dir = 'docs\n!docs/keep.txt';
    expect(ignores(dir, 'docs/drop.txt')).toBe(true);
    expect(ignores(dir, 'docs/keep.txt')).toBe(false);
    expect(DockerIgnore.parse(dir).hasExceptions).toBe(true);
    expect(DockerIgnore.parse('docs').hasExceptions).toBe(false);
  });

  it('skips comments and blank lines, and trims whitespace', () => {
    const rules = '# a comment\n\n   secret.txt   \r\n';
    expect(ignores(rules, 'secret.txt')).toBe(true);
    expect(ignores(rules, '# a comment')).toBe(false);
  });
});
