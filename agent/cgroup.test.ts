// Reading container counters from the kernel: the parsers, a cgroup v2 tree
// laid out in a temp dir, and a real container on this machine's engine.
import Docker from 'dockerode';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupVersion, openCgroupStats, parseBlkioV1, parseIoStatV2, parseNetDev, statValue } from './cgroup';
import { apiProbe, CpuMeter, openProbe } from './stats';
import { BUSYBOX, requireEngine } from './testing';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     500       5    0    0    0     0          0         0      500       5    0    0    0     0       0          0
  eth0:    1736      18    0    0    0     0          0         0      210       3    0    0    0     0       0          0
  eth1:     100       1    0    0    0     0          0         0       40       1    0    0    0     0       0          0
`;

describe('parsers', () => {
  it('sums network bytes without loopback', () => {
    expect(parseNetDev(NET_DEV)).toEqual({ rx: 1836, tx: 250 });
  });

  it('reads key-value stat files, v1 blkio and v2 io.stat', () => {
    const stat = 'cache 118784\nrss 57344\ninactive_file 36864\ntotal_inactive_file 40960\n';
    expect(statValue(stat, 'cache')).toBe(118784);
    expect(statValue(stat, 'inactive_file')).toBe(36864);
    expect(statValue(stat, 'total_inactive_file')).toBe(40960);
    expect(statValue(stat, 'missing')).toBeNull();
    expect(parseBlkioV1('8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:16 Read 1\nTotal 12289\n')).toEqual({ read: 4097, write: 8192 });
    expect(parseIoStatV2('8:0 rbytes=100 wbytes=200 rios=1 wios=2\n259:0 rbytes=5 wbytes=6 rios=0 wios=0\n')).toEqual({ read: 105, write: 206 });
  });
});

describe('a cgroup v2 host (laid out in a temp dir)', () => {
  const root = mkdtempSync(join(tmpdir(), 'containr-cgroup-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads cpu.stat, memory.current minus inactive_file, memory.max, io.stat and the net namespace', () => {
    const id = 'a'.repeat(64);
    const dir = join(root, 'sys', 'system.slice', `docker-${id}.scope`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(root, 'sys', 'cgroup.controllers'), 'cpu io memory pids\n');
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n');
    writeFileSync(join(dir, 'memory.current'), '1048576\n');
    writeFileSync(join(dir, 'memory.stat'), 'anon 4096\nfile 8192\ninactive_file 4096\n');
    writeFileSync(join(dir, 'memory.max'), 'max\n');
    writeFileSync(join(dir, 'io.stat'), '8:0 rbytes=100 wbytes=200 rios=1 wios=2\n');
    mkdirSync(join(root, 'proc', '42', 'net'), { recursive: true });
    writeFileSync(join(root, 'proc', '42', 'net', 'dev'), NET_DEV);

    expect(cgroupVersion(join(root, 'sys'))).toBe('v2');
    const reader = openCgroupStats(id, 42, { cgroupRoot: join(root, 'sys'), procRoot: join(root, 'proc') });
    expect(reader.read()).toEqual({
      cpuNs: 2_500_000,
      memoryBytes: 1048576 - 4096,
      memoryLimitBytes: null,
      blockReadBytes: 100,
      blockWriteBytes: 200,
      netRxBytes: 1836,
      netTxBytes: 250,
    });
    // The same open files give fresh values.
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 4000\n');
    writeFileSync(join(dir, 'memory.max'), '67108864\n');
    expect(reader.read()).toMatchObject({ cpuNs: 4_000_000, memoryLimitBytes: 67108864 });
    reader.close();
    expect(() => openCgroupStats('b'.repeat(64), 42, { cgroupRoot: join(root, 'sys'), procRoot: join(root, 'proc') })).toThrow();
  });

  it('reads only the CPU time of an idle container, and everything once it ran or 10 s have passed', () => {
    const id = 'e'.repeat(64);
    const dir = join(root, 'sys', 'system.slice', `docker-${id}.scope`);
    mkdirSync(dir, { recursive: true });
    const files = { 'cpu.stat': 'usage_usec 100\n', 'memory.current': '1000000\n', 'memory.stat': 'inactive_file 0\n', 'memory.max': 'max\n', 'io.stat': '' };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    mkdirSync(join(root, 'proc', '44', 'net'), { recursive: true });
    writeFileSync(join(root, 'proc', '44', 'net', 'dev'), NET_DEV);
    let now = 0;
    const reader = openCgroupStats(id, 44, { cgroupRoot: join(root, 'sys'), procRoot: join(root, 'proc') }, { fullEveryMs: 10_000, now: () => now });
    expect(reader.read()).toMatchObject({ cpuNs: 100_000, memoryBytes: 1_000_000 });

    // Nothing ran: the memory figure is the last one read, until 10 s have passed.
    writeFileSync(join(dir, 'memory.current'), '900000\n');
    now = 9_999;
    expect(reader.read()).toMatchObject({ cpuNs: 100_000, memoryBytes: 1_000_000 });
    now = 10_000;
    expect(reader.read()).toMatchObject({ cpuNs: 100_000, memoryBytes: 900_000 });

    // It ran: everything is read at once.
    writeFileSync(join(dir, 'memory.current'), '2000000\n');
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 101\n');
    now = 10_001;
    expect(reader.read()).toMatchObject({ cpuNs: 101_000, memoryBytes: 2_000_000 });
    reader.close();
  });

  it('reads a cgroup v1 host: cpuacct, memory (usage minus total_inactive_file), blkio', () => {
    const id = 'd'.repeat(64);
    const v1 = join(root, 'v1');
    const dirs = Object.fromEntries(['cpuacct', 'memory', 'blkio'].map((c) => [c, join(v1, c, 'docker', id)]));
    for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dirs.cpuacct, 'cpuacct.usage'), '123456789\n');
    writeFileSync(join(dirs.memory, 'memory.usage_in_bytes'), '2097152\n');
    writeFileSync(join(dirs.memory, 'memory.stat'), 'cache 8192\ninactive_file 1\ntotal_cache 8192\ntotal_inactive_file 65536\n');
    writeFileSync(join(dirs.memory, 'memory.limit_in_bytes'), '9223372036854771712\n'); // no limit
    writeFileSync(join(dirs.blkio, 'blkio.throttle.io_service_bytes_recursive'), '8:0 Read 10\n8:0 Write 20\n8:0 Total 30\nTotal 30\n');
    mkdirSync(join(root, 'proc', '43', 'net'), { recursive: true });
    writeFileSync(join(root, 'proc', '43', 'net', 'dev'), NET_DEV);

    expect(cgroupVersion(v1)).toBe('v1');
    const reader = openCgroupStats(id, 43, { cgroupRoot: v1, procRoot: join(root, 'proc') });
    expect(reader.read()).toEqual({
      cpuNs: 123456789,
      memoryBytes: 2097152 - 65536,
      memoryLimitBytes: null,
      blockReadBytes: 10,
      blockWriteBytes: 20,
      netRxBytes: 1836,
      netTxBytes: 250,
    });
    reader.close();
  });

  it('turns CPU time into percent of one core', () => {
    const meter = new CpuMeter();
    expect(meter.next(0, 0)).toBeNull();
    expect(meter.next(1.5e9, 1e9)).toBe(150); // 1.5 s of CPU in 1 s: one and a half cores
    expect(meter.next(1e9, 2e9)).toBeNull(); // a counter that went back (a restart)
  });
});

describe('this machine', () => {
  const docker = new Docker();
  let container: Docker.Container;

  beforeAll(async () => {
    await requireEngine(docker);
    container = await docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['sh', '-c', 'while :; do :; done'],
      Labels: { 'containr.test': 'live' },
      HostConfig: { Memory: 64 * 1024 * 1024 },
    });
    await container.start();
  });

  afterAll(async () => {
    await container?.remove({ force: true });
  });

  it('reads a running container from its cgroup files, and the engine API says the same', async () => {
    const info = await container.inspect();
    const probe = openProbe(docker, info.Id, info.State.Pid);
    expect(probe.source).toBe('cgroup');
    const first = await probe.read();
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, 300));
    const second = await probe.read();
    const cpu = ((second.cpuNs - first.cpuNs) / Number(process.hrtime.bigint() - t0)) * 100;
    // A busy loop: a core when the machine is idle, much less on a loaded one; a wrong unit would be off by 1000.
    expect(cpu).toBeGreaterThan(5);
    expect(second.memoryBytes).toBeGreaterThan(0);
    expect(second.memoryLimitBytes).toBe(64 * 1024 * 1024);
    probe.close();

    const api = await apiProbe(docker, info.Id).read();
    expect(api.memoryLimitBytes).toBe(64 * 1024 * 1024);
    expect(api.cpuNs).toBeGreaterThanOrEqual(second.cpuNs);
    expect(api.netRxBytes).toBeGreaterThanOrEqual(second.netRxBytes);
    // The engine subtracts the same inactive file pages from its (fuzzier) usage counter.
    expect(Math.abs(api.memoryBytes - second.memoryBytes)).toBeLessThan(Math.max(512 * 1024, second.memoryBytes * 0.2));
  });

  it('falls back to the engine API when the kernel files are not there', () => {
    expect(openProbe(docker, 'c'.repeat(64), 0).source).toBe('api');
    expect(openProbe(docker, 'c'.repeat(64), 999_999_999).source).toBe('api');
  });
});
