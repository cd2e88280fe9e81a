// Small helpers over dockerode shared by the observer and the executors.
import type Docker from 'dockerode';
import { LABELS } from '../sync/events';

/** The one test for "ours": every touch of a container, network or volume asks it first. */
export function isManaged(labels: Record<string, string> | null | undefined): boolean {
  return labels?.[LABELS.managed] === 'true';
}

export function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | null)?.statusCode;
}

export const isNotFound = (error: unknown) => statusOf(error) === 404;

/** The engine's own explanation when it gives one, else the error's message. */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: { message?: string } } | null)?.json;
  if (json?.message) return json.message;
  return error instanceof Error ? error.message : String(error);
}

export type EngineInfo = { engineVersion: string; cpus: number; memoryBytes: number };

export async function engineInfo(docker: Docker): Promise<EngineInfo> {
  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<{ NCPU: number; MemTotal: number }>]);
  return { engineVersion: version.Version, cpus: info.NCPU, memoryBytes: info.MemTotal };
}
