import { describe, expect, it } from 'vitest';
import { parseEnvText } from './env-text';

describe('parseEnvText', () => {
  it('reads KEY=value lines, skipping blanks, comments and export', () => {
    const text = ['# app settings', 'NODE_ENV=production', '', 'export PORT = 3000', 'URL=https://x.test/?a=b'].join(
      '\n',
    );
    expect(parseEnvText(text)).toEqual({ NODE_ENV: 'production', PORT: '3000', URL: 'https://x.test/?a=b' });
  });

  it('unquotes values', () => {
    expect(parseEnvText(`A="say \\"hi\\"\\nbye"\r\nB='$HOME stays'\nC="unbalanced`)).toEqual({
      A: 'say "hi"\nbye',
      B: '$HOME stays',
      C: '"unbalanced',
    });
  });

  it('keeps references as written', () => {
    expect(parseEnvText('DATABASE_URL=${{ db.DATABASE_URL }}')).toEqual({ DATABASE_URL: '${{ db.DATABASE_URL }}' });
  });

  it('is null for text that is not KEY=value lines', () => {
    expect(parseEnvText('DATABASE_URL')).toBeNull();
    expect(parseEnvText('=value\n# comment')).toBeNull();
  });
});
