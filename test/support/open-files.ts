import { readdir, readlink } from "node:fs/promises";

/** How many of this process's file descriptors are open on `file` (Linux: /proc/self/fd). */
export async function descriptorsOf(file: string): Promise<number> {
  const entries = await readdir("/proc/self/fd");
  const targets = await Promise.all(entries.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
  return targets.filter((target) => target === file).length;
}
