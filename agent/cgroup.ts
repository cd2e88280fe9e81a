// A container's resource counters read straight from the kernel: cgroup files
// (v1 or v2) for CPU, memory and block I/O, and /proc/<pid>/net/dev of its init
// process for the network. Each file stays open and is re-read with one pread
// at offset 0 (the kernel regenerates it), so a sample costs a few syscalls.
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

/** One kernel file, open for the container's life, read whole with pread(0) into a reused buffer. */
class KernelFile {
  private readonly fd: number;
  private buffer = Buffer.allocUnsafe(2048);

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
  }

  /** The file's bytes now, valid until the next read. */
  read(): Buffer {
    for (;;) {
      const n = readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
      if (n < this.buffer.length) return this.buffer.subarray(0, n);
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
export function openCgroupStats(containerId: string, pid: number, paths: KernelPaths = DEFAULT_KERNEL_PATHS): StatsReader {
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
    const counters = version === 'v1' ? openV1(containerId, paths.cgroupRoot, open) : openV2(containerId, paths.cgroupRoot, open);
    return {
      read: () => counters(parseNetDev(net.read())),
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

// A limit changes only with `docker update`: read it on the first sample and then every so many.
const LIMIT_EVERY = 10;

/** `read()` on the first call and every `every`-th after; the last value in between. */
function sometimes<T>(read: () => T, every: number): () => T {
  let calls = 0;
  let last: T;
  return () => {
    if (calls++ % every === 0) last = read();
    return last;
  };
}
/** All of a sample but the network, which comes from /proc. */
type Counters = (net: { rx: number; tx: number }) => RawStats;

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
  // Usage from memory.stat, not memory.usage_in_bytes: the kernel's docs call the latter a fuzzy
  // value and point to RSS + CACHE (+ SWAP) in memory.stat, which this reads anyway (one file less).
  const stat = open(join(memoryDir, 'memory.stat'));
  const limitFile = open(join(memoryDir, 'memory.limit_in_bytes'));
  const limit = sometimes(() => limitOf(limitFile.read()), LIMIT_EVERY);
  const blkio = open(join(findDir(join(root, 'blkio'), candidates), 'blkio.throttle.io_service_bytes_recursive'));
  return (net) => {
    const memStat = stat.read();
    const used = (statValue(memStat, 'total_rss') ?? 0) + (statValue(memStat, 'total_cache') ?? 0) + (statValue(memStat, 'total_swap') ?? 0);
    const inactive = statValue(memStat, 'total_inactive_file') ?? 0;
    const io = parseBlkioV1(blkio.read());
    return {
      cpuNs: toNumber(cpu.read()),
      memoryBytes: Math.max(0, used - inactive),
      memoryLimitBytes: limit(),
      blockReadBytes: io.read,
      blockWriteBytes: io.write,
      netRxBytes: net.rx,
      netTxBytes: net.tx,
    };
  };
}

function openV2(id: string, root: string, open: Open): Counters {
  const dir = findDir(root, [`system.slice/docker-${id}.scope`, `docker/${id}`]);
  const cpu = open(join(dir, 'cpu.stat'));
  const current = open(join(dir, 'memory.current'));
  const stat = open(join(dir, 'memory.stat'));
  const maxFile = open(join(dir, 'memory.max'));
  const max = sometimes(() => limitOf(maxFile.read()), LIMIT_EVERY);
  const io = open(join(dir, 'io.stat'));
  return (net) => {
    const inactive = statValue(stat.read(), 'inactive_file') ?? 0;
    const blk = parseIoStatV2(io.read());
    return {
      cpuNs: (statValue(cpu.read(), 'usage_usec') ?? 0) * 1000,
      memoryBytes: Math.max(0, toNumber(current.read()) - inactive),
      memoryLimitBytes: max(),
      blockReadBytes: blk.read,
      blockWriteBytes: blk.write,
      netRxBytes: net.rx,
      netTxBytes: net.tx,
    };
  };
}

// The parsers below read the kernel's bytes in place: a sample of 100 containers
// each second would otherwise make and drop some 600 strings a second.
const SPACE = 0x20;
const NEWLINE = 0x0a;
const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39;
const isBlank = (byte: number) => byte === SPACE || byte === NEWLINE || byte === 0x09;

/** Where the last `numberAt` stopped reading (a variable, not a returned pair: nothing to allocate). */
let numberEnd = 0;

/** The decimal number starting at `at` (leading blanks skipped), or NaN when there is none; sets `numberEnd`. */
function numberAt(bytes: Buffer, at: number): number {
  while (at < bytes.length && isBlank(bytes[at])) at++;
  let value = 0;
  const start = at;
  for (; at < bytes.length && isDigit(bytes[at]); at++) value = value * 10 + (bytes[at] - 0x30);
  numberEnd = at;
  return at === start ? Number.NaN : value;
}

function toNumber(bytes: Buffer): number {
  const value = numberAt(bytes, 0);
  if (!Number.isFinite(value)) throw new Error(`unexpected cgroup value ${JSON.stringify(bytes.toString('latin1', 0, 40))}`);
  return value;
}

/** A limit file: `max` (v2) or a number at or above 2^62 (v1's page-rounded 2^63) means none. */
function limitOf(bytes: Buffer): number | null {
  const value = numberAt(bytes, 0);
  return Number.isFinite(value) && value > 0 && value < UNLIMITED ? value : null;
}

/** `key value` lines (memory.stat, cpu.stat): the value of `key`, or null. */
export function statValue(bytes: Buffer, key: string): number | null {
  const needle = `${key} `;
  let at = bytes.indexOf(needle, 0, 'latin1');
  // A match must start a line: `inactive_file` is also the end of `total_inactive_file`.
  while (at > 0 && bytes[at - 1] !== NEWLINE) at = bytes.indexOf(needle, at + 1, 'latin1');
  if (at < 0) return null;
  const value = numberAt(bytes, at + needle.length);
  return Number.isFinite(value) ? value : null;
}

/** The next line's bounds from `at`: [start, end) without the newline. */
function lineEnd(bytes: Buffer, at: number): number {
  const end = bytes.indexOf(NEWLINE, at);
  return end < 0 ? bytes.length : end;
}

/** v1 `blkio.*io_service_bytes*`: `maj:min Read|Write|… N` lines and a `Total N`. */
export function parseBlkioV1(bytes: Buffer): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (let at = 0; at < bytes.length; ) {
    const end = lineEnd(bytes, at);
    const op = bytes.indexOf(SPACE, at) + 1;
    if (op > 0 && op < end) {
      const isRead = bytes[op] === 0x52 && bytes[op + 4] === SPACE; // "Read "
      const isWrite = bytes[op] === 0x57 && bytes[op + 5] === SPACE; // "Write "
      if (isRead || isWrite) {
        const value = numberAt(bytes, op + (isRead ? 5 : 6));
        if (Number.isFinite(value)) {
          if (isRead) read += value;
          else write += value;
        }
      }
    }
    at = end + 1;
  }
  return { read, write };
}

/** v2 `io.stat`: `maj:min rbytes=N wbytes=N rios=N …` per device. */
export function parseIoStatV2(bytes: Buffer): { read: number; write: number } {
  const sum = (needle: string) => {
    let total = 0;
    for (let at = bytes.indexOf(needle, 0, 'latin1'); at >= 0; at = bytes.indexOf(needle, at + 1, 'latin1')) {
      if (at > 0 && !isBlank(bytes[at - 1])) continue;
      const value = numberAt(bytes, at + needle.length);
      if (Number.isFinite(value)) total += value;
    }
    return total;
  };
  return { read: sum('rbytes='), write: sum('wbytes=') };
}

/** `/proc/<pid>/net/dev`: receive bytes is the 1st counter, transmit bytes the 9th; loopback is left out. */
export function parseNetDev(bytes: Buffer): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (let at = 0; at < bytes.length; ) {
    const end = lineEnd(bytes, at);
    const colon = bytes.indexOf(0x3a, at); // ':'
    if (colon >= 0 && colon < end) {
      let name = at;
      while (name < colon && bytes[name] === SPACE) name++;
      const loopback = colon - name === 2 && bytes[name] === 0x6c && bytes[name + 1] === 0x6f; // "lo"
      if (!loopback) {
        numberEnd = colon + 1;
        for (let i = 0; i < 9 && numberEnd < end; i++) {
          const value = numberAt(bytes, numberEnd);
          if (!Number.isFinite(value)) break;
          if (i === 0) rx += value;
          else if (i === 8) tx += value;
        }
      }
    }
    at = end + 1;
  }
  return { rx, tx };
}
