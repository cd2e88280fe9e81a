// A container's resource counters read straight from the kernel: cgroup files
// (v1 or v2) for CPU, memory and block I/O, and /proc/<pid>/net/dev of its init
// process for the network. Each file stays open and is re-read with one pread
// at offset 0 (the kernel regenerates it), so a sample costs a few syscalls.
//
// An idle container costs one: its CPU time is read first, and while it has not
// moved since the last full reading (no task of the container ran), the other
// figures are the last ones read, for at most `fullEveryMs` (cAdvisor's
// "dynamic housekeeping" makes the same bet). Memory freed by reclaim or bytes
// arriving for a sleeping container show up at that next full reading.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** Cumulative counters of one container at one moment. */
export type RawStats = {
  /** CPU time used, all cores, nanoseconds. */
  cpuNs: number;
  /** Usage minus inactive file cache. */
  memoryBytes: number;
  memoryLimitBytes: number | null;
  blockReadBytes: number;
  blockWriteBytes: number;
  netRxBytes: number;
  netTxBytes: number;
};

export type StatsReader = { read(): RawStats; close(): void };

export type ReaderOptions = {
  /** The longest an idle container's memory, network and I/O figures are reused (0: read every time). */
  fullEveryMs: number;
  now(): number;
};
const DEFAULT_READER_OPTIONS: ReaderOptions = { fullEveryMs: 10_000, now: Date.now };

export type CgroupVersion = 'v1' | 'v2';

export type KernelPaths = { cgroupRoot: string; procRoot: string };
export const DEFAULT_KERNEL_PATHS: KernelPaths = { cgroupRoot: '/sys/fs/cgroup', procRoot: '/proc' };

/** v2 has one unified hierarchy with `cgroup.controllers` at its root; v1 one mount per controller. */
export function cgroupVersion(root = DEFAULT_KERNEL_PATHS.cgroupRoot): CgroupVersion | null {
  if (existsSync(join(root, 'cgroup.controllers'))) return 'v2';
  if (existsSync(join(root, 'cpuacct')) && existsSync(join(root, 'memory'))) return 'v1';
  return null;
}

// Limits at or above this mean "no limit" (v1 reports 2^63 rounded down to a page).
const UNLIMITED = 2 ** 62;

/** One kernel file, open for the container's life, read whole with pread(0). */
class KernelFile {
  private readonly fd: number;
  private buffer = Buffer.allocUnsafe(2048);

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
  }

  read(): string {
    for (;;) {
      const n = readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
      if (n < this.buffer.length) return this.buffer.toString('latin1', 0, n);
      this.buffer = Buffer.allocUnsafe(this.buffer.length * 2);
    }
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already gone with its cgroup; nothing to release
    }
  }
}

/**
 * Opens the files of a running container (by full id, with its init pid), or
 * throws when they are not there or not readable (then use the engine's stats API).
 */
export function openCgroupStats(
  containerId: string,
  pid: number,
  paths: KernelPaths = DEFAULT_KERNEL_PATHS,
  options: ReaderOptions = DEFAULT_READER_OPTIONS
): StatsReader {
  const version = cgroupVersion(paths.cgroupRoot);
  if (!version) throw new Error(`no cgroup hierarchy at ${paths.cgroupRoot}`);
  const files: KernelFile[] = [];
  const open = (path: string) => {
    const file = new KernelFile(path);
    files.push(file);
    return file;
  };
  try {
    const net = open(join(paths.procRoot, String(pid), 'net', 'dev'));
    const cgroup = version === 'v1' ? openV1(containerId, paths.cgroupRoot, open) : openV2(containerId, paths.cgroupRoot, open);
    let last: RawStats | null = null;
    let lastFullAt = 0;
    return {
      read() {
        const cpuNs = cgroup.cpuNs();
        const now = options.now();
        if (last && cpuNs === last.cpuNs && now - lastFullAt < options.fullEveryMs) return last;
        const { rx, tx } = parseNetDev(net.read());
        const rest = cgroup.rest();
        last = {
          cpuNs,
          memoryBytes: rest.memoryBytes,
          memoryLimitBytes: rest.memoryLimitBytes,
          blockReadBytes: rest.blockReadBytes,
          blockWriteBytes: rest.blockWriteBytes,
          netRxBytes: rx,
          netTxBytes: tx,
        };
        lastFullAt = now;
        return last;
      },
      close() {
        files.forEach((f) => f.close());
      },
    };
  } catch (error) {
    files.forEach((f) => f.close());
    throw error;
  }
}

type Open = (path: string) => KernelFile;
/** CPU time on its own (the cheap file that says whether anything ran), then the rest of the cgroup's figures. */
type Counters = {
  cpuNs(): number;
  rest(): Omit<RawStats, 'cpuNs' | 'netRxBytes' | 'netTxBytes'>;
};

/** The container's directory under `base`: cgroupfs driver first, then systemd's. */
function findDir(base: string, candidates: string[]): string {
  for (const candidate of candidates) {
    const dir = join(base, candidate);
    if (existsSync(dir)) return dir;
  }
  throw new Error(`no cgroup for the container under ${base}`);
}

function openV1(id: string, root: string, open: Open): Counters {
  const candidates = [`docker/${id}`, `system.slice/docker-${id}.scope`];
  const cpu = open(join(findDir(join(root, 'cpuacct'), candidates), 'cpuacct.usage'));
  const memoryDir = findDir(join(root, 'memory'), candidates);
  const usage = open(join(memoryDir, 'memory.usage_in_bytes'));
  const stat = open(join(memoryDir, 'memory.stat'));
  const limit = open(join(memoryDir, 'memory.limit_in_bytes'));
  const blkioDir = findDir(join(root, 'blkio'), candidates);
  const blkio = open(join(blkioDir, 'blkio.throttle.io_service_bytes_recursive'));
  return {
    cpuNs: () => toNumber(cpu.read()),
    rest() {
      const memStat = stat.read();
      const inactive = statValue(memStat, 'total_inactive_file') ?? statValue(memStat, 'inactive_file') ?? 0;
      const used = toNumber(usage.read());
      const io = parseBlkioV1(blkio.read());
      return {
        memoryBytes: Math.max(0, used - inactive),
        memoryLimitBytes: limitOf(limit.read()),
        blockReadBytes: io.read,
        blockWriteBytes: io.write,
      };
    },
  };
}

function openV2(id: string, root: string, open: Open): Counters {
  const dir = findDir(root, [`system.slice/docker-${id}.scope`, `docker/${id}`]);
  const cpu = open(join(dir, 'cpu.stat'));
  const current = open(join(dir, 'memory.current'));
  const stat = open(join(dir, 'memory.stat'));
  const max = open(join(dir, 'memory.max'));
  const io = open(join(dir, 'io.stat'));
  return {
    cpuNs: () => (statValue(cpu.read(), 'usage_usec') ?? 0) * 1000,
    rest() {
      const inactive = statValue(stat.read(), 'inactive_file') ?? 0;
      const blk = parseIoStatV2(io.read());
      return {
        memoryBytes: Math.max(0, toNumber(current.read()) - inactive),
        memoryLimitBytes: limitOf(max.read()),
        blockReadBytes: blk.read,
        blockWriteBytes: blk.write,
      };
    },
  };
}

function toNumber(text: string): number {
  const value = Number(text.trim());
  if (!Number.isFinite(value)) throw new Error(`unexpected cgroup value ${JSON.stringify(text.slice(0, 40))}`);
  return value;
}

function limitOf(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === 'max') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) && value > 0 && value < UNLIMITED ? value : null;
}

/** `key value` lines (memory.stat, cpu.stat): the value of `key`, or null. */
export function statValue(text: string, key: string): number | null {
  let at = text.startsWith(`${key} `) ? 0 : text.indexOf(`\n${key} `);
  if (at < 0) return null;
  if (at > 0) at += 1;
  const end = text.indexOf('\n', at);
  const value = Number(text.slice(at + key.length + 1, end < 0 ? undefined : end));
  return Number.isFinite(value) ? value : null;
}

/** v1 `blkio.*io_service_bytes*`: `maj:min Read|Write|… N` lines and a `Total N`. */
export function parseBlkioV1(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const [, op, value] = line.split(' ');
    if (op === 'Read') read += Number(value) || 0;
    else if (op === 'Write') write += Number(value) || 0;
  }
  return { read, write };
}

/** v2 `io.stat`: `maj:min rbytes=N wbytes=N rios=N …` per device. */
export function parseIoStatV2(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const match of text.matchAll(/\b([rw])bytes=(\d+)/g)) {
    if (match[1] === 'r') read += Number(match[2]);
    else write += Number(match[2]);
  }
  return { read, write };
}

/** `/proc/<pid>/net/dev`: receive bytes is the 1st counter, transmit bytes the 9th; loopback is left out. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === 'lo' || name.includes('|')) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    rx += Number(fields[0]) || 0;
    tx += Number(fields[8]) || 0;
  }
  return { rx, tx };
}
