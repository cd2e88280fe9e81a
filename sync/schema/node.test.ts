import { describe, expect, it } from 'vitest';
import { canvasNodeSchema } from './node';

describe('canvas node schema', () => {
  it('reads a volume with its default position', () => {
    expect(canvasNodeSchema.parse({ kind: 'volume', name: 'data', sizeMb: 512 })).toEqual({
      kind: 'volume',
      name: 'data',
      sizeMb: 512,
      position: { x: 0, y: 0 },
    });
  });

  it('reads a database with service fields and its preset', () => {
    const db = canvasNodeSchema.parse({ kind: 'database', preset: 'postgres', name: 'db', ports: [{ port: 5432 }] });
    expect(db).toMatchObject({ kind: 'database', preset: 'postgres', ports: [{ port: 5432 }], replicas: 1 });
  });

  it('rejects an unknown kind, naming the field', () => {
    const result = canvasNodeSchema.safeParse({ kind: 'lambda', name: 'f' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['kind']);
  });
});
