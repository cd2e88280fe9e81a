import { describe, expect, it } from 'vitest';
import type { DeploymentEvent } from './api';
import { stepRows } from './event-list';

const event = (id: number, over: Partial<DeploymentEvent>): DeploymentEvent => ({
  id,
  deploymentId: 'd1',
  serviceId: 's',
  type: 'progress',
  message: `event ${id}`,
  details: null,
  createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, id)).toISOString(),
  ...over,
});
const build = (id: number, type: string, message: string, buildId = 'b1') => event(id, { type, message, details: { buildId } });

describe('stepRows for builds', () => {
  it("shows a build's output as one block of lines, as written, under its build's line", () => {
    const rows = stepRows(
      [
        build(1, 'build.queued', 'web: build queued'),
        build(2, 'build.started', 'web: building file:///r at main (head)'),
        build(3, 'build.log', 'step 1/4 : FROM containr/node'),
        build(4, 'build.log', ' ---> 1a2b3c'),
      ],
      true,
    );
    expect(rows.map((r) => [r.text, r.tone, r.lines, r.buildRunning])).toEqual([
      ['web: building file:///r at main (head)', 'running', undefined, true],
      ['', 'info', ['step 1/4 : FROM containr/node', ' ---> 1a2b3c'], undefined],
    ]);
  });

  it('marks a failed build as an error, its line and its end, and stops offering to cancel it', () => {
    const rows = stepRows(
      [
        build(1, 'build.started', 'web: building'),
        build(2, 'build.log', 'npm ERR! missing script: build'),
        build(3, 'build.failed', 'web: build failed: step exited with 1'),
        event(4, { type: 'status', message: 'deployment failed', details: { status: 'failed' } }),
      ],
      false,
    );
    expect(rows.map((r) => [r.text, r.tone, r.tookMs, r.buildRunning ?? false])).toEqual([
      ['web: building', 'error', 2000, false],
      ['', 'info', null, false],
      ['web: build failed: step exited with 1', 'error', null, false],
      ['Deployment failed', 'error', null, false],
    ]);
  });

  it("keeps two builds' output apart", () => {
    const rows = stepRows(
      [build(1, 'build.log', 'a1', 'a'), build(2, 'build.log', 'b1', 'b'), build(3, 'build.log', 'b2', 'b'), build(4, 'build.cancelled', 'x', 'b')],
      true,
    );
    expect(rows.map((r) => r.lines ?? r.tone)).toEqual([['a1'], ['b1', 'b2'], 'error']);
  });
});
