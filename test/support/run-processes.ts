import { readdirSync, readFileSync } from "node:fs";

export interface RunProcess {
  pid: number;
  command: string;
}

interface ProcEntry extends RunProcess {
  ppid: number;
  /** Its command line and environment, NUL-separated. */
  text: string;
}

/**
 * The live processes of one run of imagegate, found by a marker only that run has (its temporary DATA_DIR): those
 * whose command line or environment holds it (npm, node, the embedded PostgreSQL's postmaster, whose -D names the
 * data folder, its watchdog), and their descendants (PostgreSQL's own processes rewrite their command lines).
 * Linux only: read from /proc. Zombies are left out: they have exited, and only wait for their parent to reap them.
 */
export function processesOf(marker: string): RunProcess[] {
  const entries = liveProcesses();
  const found = new Set(entries.filter((entry) => entry.text.includes(marker)).map((entry) => entry.pid));
  for (let grew = true; grew;) {
    const before = found.size;
    for (const entry of entries) if (found.has(entry.ppid)) found.add(entry.pid);
    grew = found.size > before;
  }
  return entries.filter((entry) => found.has(entry.pid)).map(({ pid, command }) => ({ pid, command }));
}

function liveProcesses(): ProcEntry[] {
  const entries: ProcEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // proc(5): "pid (comm) state ppid ...", where comm may hold spaces and parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z") continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      entries.push({ pid, ppid: Number(ppid), command: cmdline.replace(/\0/g, " ").trim(), text: cmdline + environ });
    } catch {
      // exited meanwhile
    }
  }
  return entries;
}
