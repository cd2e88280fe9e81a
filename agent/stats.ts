// Resource samples of one container: cgroup files when readable, else the
// engine's stats API (one-shot, so a call does not wait a second for a second
// reading). CPU % = Δ CPU time / Δ wall time × 100: per core, so 100 is one
// full core and a container keeping two cores busy shows 200.
import type Docker from 'dockerode';
import { openCgroupStats, type KernelPaths, type RawStats } from './cgroup';

export type Probe = {
  readonly source: 'cgroup' | 'api';
  read(): RawStats | Promise<RawStats>;
  close(): void;
};

/** The cheap probe when the kernel files are there, the engine's API otherwise. */
export function openProbe(docker: Docker, containerId: string, pid: number, paths?: KernelPaths): Probe {
  if (pid > 0) {
    try {
      const reader = openCgroupStats(containerId, pid, paths);
      return { source: 'cgroup', read: () => reader.read(), close: () => reader.close() };
    } catch {
      // not readable here (another host's /sys, a rootless engine…): ask the engine
    }
  }
  return apiProbe(docker, containerId);
}

export function apiProbe(docker: Docker, containerId: string): Probe {
  return {
    source: 'api',
    async read() {
      // 'one-shot' (API ≥ 1.41) answers at once instead of after a second reading.
      const stats = (await docker.getContainer(containerId).stats({ stream: false, 'one-shot': true } as { stream: false })) as ApiStats;
      return fromApiStats(stats);
    },
    close() {},
  };
}

type ApiStats = {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number | undefined> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
};

export function fromApiStats(stats: ApiStats): RawStats {
  const memory = stats.memory_stats ?? {};
  const inactive = memory.stats?.inactive_file ?? memory.stats?.total_inactive_file ?? memory.stats?.cache ?? 0;
  let netRxBytes = 0;
  let netTxBytes = 0;
  for (const net of Object.values(stats.networks ?? {})) {
    netRxBytes += net.rx_bytes ?? 0;
    netTxBytes += net.tx_bytes ?? 0;
  }
  let blockReadBytes = 0;
  let blockWriteBytes = 0;
  for (const entry of stats.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = entry.op.toLowerCase();
    if (op === 'read') blockReadBytes += entry.value;
    else if (op === 'write') blockWriteBytes += entry.value;
  }
  const limit = memory.limit ?? 0;
  return {
    cpuNs: stats.cpu_stats?.cpu_usage?.total_usage ?? 0,
    memoryBytes: Math.max(0, (memory.usage ?? 0) - inactive),
    memoryLimitBytes: limit > 0 && limit < 2 ** 62 ? limit : null,
    blockReadBytes,
    blockWriteBytes,
    netRxBytes,
    netTxBytes,
  };
}

/** Turns cumulative CPU time into a percentage between two readings. */
export class CpuMeter {
  private previous: { cpuNs: number; wallNs: number } | null = null;

  /** The percentage since the previous reading, or null for the first one (or after a counter reset). */
  next(cpuNs: number, wallNs: number): number | null {
    const previous = this.previous;
    this.previous = { cpuNs, wallNs };
    if (!previous || cpuNs < previous.cpuNs || wallNs <= previous.wallNs) return null;
    return ((cpuNs - previous.cpuNs) / (wallNs - previous.wallNs)) * 100;
  }
}
