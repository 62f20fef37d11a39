import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

// What a process costs, read from Linux's /proc: CPU time (utime + stime, in clock ticks), resident memory, the
// machine's busy time. No agent in the measured process: the numbers come from the kernel's own accounting.

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Fields of /proc/<pid>/stat after the command name: [0] is the state (field 3 of proc(5)). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** User and system (kernel: syscalls, the loopback TCP stack...) CPU seconds the process has used so far. */
export function cpuSplit(pid: number): { user: number; system: number } {
  const fields = statFields(pid);
  if (fields === undefined) return { user: 0, system: 0 };
  // proc(5): utime 14, stime 15 (1-based), i.e. 11 and 12 here.
  return { user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND, system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND };
}

/** VmRSS and VmHWM (peak resident set since start, or since the last resetPeakRss) in bytes. */
export function memory(pid: number): { rssBytes: number; peakBytes: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rssBytes: kib("VmRSS"), peakBytes: kib("VmHWM") };
  } catch {
    return { rssBytes: 0, peakBytes: 0 };
  }
}

/** Resets VmHWM to the current RSS (proc(5): "5" to clear_refs); false when not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * The machine's CPU seconds so far (/proc/stat, all cores): busy (not idle, waiting for I/O or stolen), of which
 * interrupts (hardware and soft: the loopback network's packet processing lands there), stolen (a virtual machine's
 * cores given to other guests by the host: a run with steal had less machine than it thinks), and the total.
 */
export function machineCpuSeconds(): { busy: number; interrupts: number; steal: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  // user nice system idle iowait irq softirq steal
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const interrupts = (ticks[5] ?? 0) + (ticks[6] ?? 0);
  const steal = ticks[7] ?? 0;
  return {
    busy: (total - idle - steal) / CLOCK_TICKS_PER_SECOND,
    interrupts: interrupts / CLOCK_TICKS_PER_SECOND,
    steal: steal / CLOCK_TICKS_PER_SECOND,
    total: total / CLOCK_TICKS_PER_SECOND,
  };
}

/** Busy cores of the whole machine over `ms` (e.g. to wait for other work to finish before measuring). */
export async function machineBusyCores(ms: number): Promise<number> {
  const before = machineCpuSeconds();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineCpuSeconds();
  return (after.busy - before.busy) / (ms / 1000);
}

/**
 * CPU seconds so far of each process of this machine's PostgreSQL serving `databaseName`: its backends for that
 * database plus the server's own processes (WAL writer, checkpointer...), leaving out backends of other databases
 * (another run's tests).
 */
export function postgresCpuByPid(databaseName: string): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let cmdline: string;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "postgres") continue;
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    } catch {
      continue;
    }
    // A backend's title: "postgres: 15/main: <user> <database> <host>(<port>) <state>".
    const backend = /: (\S+) (\S+) (?:\[local\]|[0-9a-f.:]+\(\d+\))/.exec(cmdline);
    if (backend !== null && backend[2] !== databaseName) continue;
    found.set(pid, cpuSeconds(pid));
  }
  return found;
}

/** CPU seconds so far (utime + stime) of every process of the machine, by pid, with a short name (its command line). */
export function allProcessesCpu(): Map<number, { name: string; cpu: number }> {
  const found = new Map<number, { name: string; cpu: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const cpu = cpuSeconds(pid);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      const name = cmdline === "" ? `[${readFileSync(`/proc/${pid}/comm`, "utf8").trim()}]` : cmdline;
      found.set(pid, { name: name.length > 90 ? `${name.slice(0, 89)}…` : name, cpu });
    } catch {
      // gone
    }
  }
  return found;
}

export interface MeasuredProcess {
  name: string;
  pid: number;
}

export interface ProcessUsage {
  name: string;
  pid: number;
  cpuSeconds: number;
  /** Of which in the kernel. */
  systemCpuSeconds: number;
  /** The most resident memory seen during the phase: VmHWM (reset at the start) or the 100 ms samples' maximum. */
  peakRssBytes: number;
}

export interface PhaseUsage {
  elapsedSeconds: number;
  processes: ProcessUsage[];
  /** PostgreSQL's CPU seconds for the bench database; undefined when not measured. */
  postgresCpuSeconds: number | undefined;
  /** This process (the load generator, autocannon). */
  loadGeneratorCpuSeconds: number;
  /** The whole machine's busy CPU seconds (every core). */
  machineBusySeconds: number;
  /** Of which interrupts (network packet processing; with tick-based accounting also in the interrupted task's time). */
  interruptSeconds: number;
  /** Time the host gave this virtual machine's cores to others. */
  stealSeconds: number;
  /**
   * CPU seconds of every other process meanwhile: other people's work. Sampled every half second, so that a process
   * that ends keeps what it used (and a parent reaping a long-lived child does not inherit its lifetime at once).
   * Not the machine's busy time less ours: with tick-based accounting, interrupts that land while a core idles
   * (loopback packets at a high rate) are busy time of no process.
   */
  otherSeconds: number;
  /** The other processes that used the most CPU meanwhile (seconds), for telling who disturbed a run. */
  topOthers: { pid: number; name: string; cpuSeconds: number }[];
}

/** Phases run one after another as one: time and CPU added, each process's peak the highest seen. */
export function combineUsage(usages: PhaseUsage[]): PhaseUsage {
  const sum = (pick: (usage: PhaseUsage) => number) => usages.reduce((n, usage) => n + pick(usage), 0);
  const processes = new Map<number, ProcessUsage>();
  for (const usage of usages) {
    for (const p of usage.processes) {
      const seen = processes.get(p.pid);
      processes.set(
        p.pid,
        seen === undefined
          ? { ...p }
          : {
              ...seen,
              cpuSeconds: seen.cpuSeconds + p.cpuSeconds,
              systemCpuSeconds: seen.systemCpuSeconds + p.systemCpuSeconds,
              peakRssBytes: Math.max(seen.peakRssBytes, p.peakRssBytes),
            },
      );
    }
  }
  const others = new Map<number, { pid: number; name: string; cpuSeconds: number }>();
  for (const other of usages.flatMap((usage) => usage.topOthers)) {
    const seen = others.get(other.pid);
    others.set(other.pid, { ...other, cpuSeconds: (seen?.cpuSeconds ?? 0) + other.cpuSeconds });
  }
  return {
    elapsedSeconds: sum((usage) => usage.elapsedSeconds),
    processes: [...processes.values()],
    postgresCpuSeconds: usages.some((usage) => usage.postgresCpuSeconds === undefined)
      ? undefined
      : sum((usage) => usage.postgresCpuSeconds!),
    loadGeneratorCpuSeconds: sum((usage) => usage.loadGeneratorCpuSeconds),
    machineBusySeconds: sum((usage) => usage.machineBusySeconds),
    interruptSeconds: sum((usage) => usage.interruptSeconds),
    stealSeconds: sum((usage) => usage.stealSeconds),
    otherSeconds: sum((usage) => usage.otherSeconds),
    topOthers: [...others.values()].sort((a, b) => b.cpuSeconds - a.cpuSeconds).slice(0, 3),
  };
}

/** Measures processes over one phase: start() before the load, stop() after it. */
export class PhaseMeter {
  private startedNs = 0n;
  private readonly cpuAtStart = new Map<number, { user: number; system: number }>();
  private readonly sampledPeak = new Map<number, number>();
  /** PostgreSQL's processes: CPU at the start (0 for those started since) and when last seen, by pid. */
  private readonly postgresAtStart = new Map<number, number>();
  private readonly postgresLastSeen = new Map<number, number>();
  private ticks = 0;
  /** Every process's CPU at the start (0 for those started since) and when last seen, by pid. */
  private everyoneAtStart = new Map<number, { name: string; cpu: number }>();
  private readonly everyoneLastSeen = new Map<number, { name: string; cpu: number }>();
  private selfAtStart: NodeJS.CpuUsage = process.cpuUsage();
  private machineAtStart = { busy: 0, interrupts: 0, steal: 0, total: 0 };
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    private readonly processes: MeasuredProcess[],
    private readonly databaseName?: string,
  ) {}

  start(): void {
    for (const { pid } of this.processes) {
      resetPeakRss(pid);
      this.cpuAtStart.set(pid, cpuSplit(pid));
      this.sampledPeak.set(pid, memory(pid).rssBytes);
    }
    if (this.databaseName !== undefined) {
      for (const [pid, cpu] of postgresCpuByPid(this.databaseName)) {
        this.postgresAtStart.set(pid, cpu);
        this.postgresLastSeen.set(pid, cpu);
      }
    }
    this.everyoneAtStart = allProcessesCpu();
    this.everyoneLastSeen.clear();
    for (const [pid, seen] of this.everyoneAtStart) this.everyoneLastSeen.set(pid, seen);
    this.selfAtStart = process.cpuUsage();
    this.machineAtStart = machineCpuSeconds();
    this.startedNs = process.hrtime.bigint();
    this.sampler = setInterval(() => this.sample(), 100);
  }

  private sample(final = false): void {
    for (const { pid } of this.processes) {
      const { rssBytes } = memory(pid);
      if (rssBytes > (this.sampledPeak.get(pid) ?? 0)) this.sampledPeak.set(pid, rssBytes);
    }
    // Backends come and go (pools close idle connections): an exited one keeps the CPU it had when last seen.
    this.ticks++;
    if (this.databaseName !== undefined && (final || this.ticks % 3 === 0)) {
      for (const [pid, cpu] of postgresCpuByPid(this.databaseName)) this.postgresLastSeen.set(pid, cpu);
    }
    if (final || this.ticks % 5 === 0) {
      for (const [pid, seen] of allProcessesCpu()) this.everyoneLastSeen.set(pid, seen);
    }
  }

  /** Every other process's CPU since start(), busiest first. */
  private others(): { pid: number; name: string; cpuSeconds: number }[] {
    const ours = new Set([process.pid, ...this.processes.map((p) => p.pid), ...this.postgresLastSeen.keys()]);
    return [...this.everyoneLastSeen]
      .filter(([pid]) => !ours.has(pid))
      .map(([pid, { name, cpu }]) => ({ pid, name, cpuSeconds: cpu - (this.everyoneAtStart.get(pid)?.cpu ?? 0) }))
      .filter((p) => p.cpuSeconds > 0)
      .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
  }

  private postgresCpuSeconds(): number {
    let total = 0;
    for (const [pid, cpu] of this.postgresLastSeen) total += cpu - (this.postgresAtStart.get(pid) ?? 0);
    return total;
  }

  stop(): PhaseUsage {
    clearInterval(this.sampler);
    this.sample(true);
    const elapsedSeconds = Number(process.hrtime.bigint() - this.startedNs) / 1e9;
    const self = process.cpuUsage(this.selfAtStart);
    const machine = machineCpuSeconds();
    const others = this.others();
    const usage: PhaseUsage = {
      elapsedSeconds,
      processes: this.processes.map(({ name, pid }) => {
        const now = cpuSplit(pid);
        const start = this.cpuAtStart.get(pid) ?? { user: 0, system: 0 };
        return {
          name,
          pid,
          cpuSeconds: now.user + now.system - start.user - start.system,
          systemCpuSeconds: now.system - start.system,
          peakRssBytes: Math.max(memory(pid).peakBytes, this.sampledPeak.get(pid) ?? 0),
        };
      }),
      postgresCpuSeconds: this.databaseName === undefined ? undefined : this.postgresCpuSeconds(),
      loadGeneratorCpuSeconds: (self.user + self.system) / 1e6,
      machineBusySeconds: machine.busy - this.machineAtStart.busy,
      interruptSeconds: machine.interrupts - this.machineAtStart.interrupts,
      stealSeconds: machine.steal - this.machineAtStart.steal,
      otherSeconds: others.reduce((sum, p) => sum + p.cpuSeconds, 0),
      topOthers: others.slice(0, 3),
    };
    return usage;
  }
}

/** The CPU model, core count and memory, for the report. */
export function machineDescription(): { cpuModel: string; cores: number; memoryGiB: number } {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const cores = cpuinfo.split("\n").filter((line) => line.startsWith("processor")).length;
  const memTotalKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  return { cpuModel, cores, memoryGiB: memTotalKiB / 1024 / 1024 };
}

/** Listening TCP sockets on `port` (/proc/net/tcp and tcp6), as "address:port" strings. */
export function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length < 4 || columns[3] !== "0A") continue; // 0A: LISTEN
      const [addressHex, portHex] = columns[1]!.split(":") as [string, string];
      if (parseInt(portHex, 16) !== port) continue;
      found.push(`${decodeAddress(addressHex)}:${port}`);
    }
  }
  return found;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    // IPv4, little-endian.
    return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".");
  }
  if (/^0+$/.test(hex)) return "[::]";
  if (hex === "00000000000000000000000001000000") return "[::1]";
  if (hex.startsWith("0000000000000000FFFF0000")) return `[::ffff:${decodeAddress(hex.slice(24))}]`;
  return `[${hex}]`;
}

/**
 * CPU seconds so far of a process's threads: the main thread (JavaScript, the event loop and its socket I/O), and
 * the others summed by name (V8's platform workers for GC and compilation, libuv's pool for fs and crypto calls).
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const comm = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
      // Node 20 leaves its helper threads (V8's platform workers, libuv's pool) named after the process.
      const name = Number(tid) === pid ? "main thread" : comm === "node" ? "other node threads" : comm;
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
      byName.set(name, (byName.get(name) ?? 0) + seconds);
    } catch {
      // the thread ended
    }
  }
  return byName;
}
