import { readFileSync } from "node:fs";
import path from "node:path";

// Summarizes a V8 .cpuprofile (node --cpu-prof): self time per function and per package, and the total (inclusive)
// time of imagegate's own functions: the first thing to read before opening a flame graph (Chrome DevTools,
// speedscope). V8 samples on a wall-clock timer: on a busy machine a frame that is preempted (a socket write that
// wakes PostgreSQL up) keeps being sampled while other processes run, so native I/O frames read high.

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  /** Of the samples not idle. */
  share: number;
  /** For self times: the callers (outside node's internals) behind most of it, nearest first, and their share. */
  calledFrom?: string;
}

export interface ProfileSummary {
  /** Sampled time in the window. */
  totalMs: number;
  /** Sampled time not idle. */
  busyMs: number;
  /** Whether the window matched samples (else the whole profile is summarized). */
  windowed: boolean;
  functions: SelfTime[];
  packages: SelfTime[];
  /** The same, with node's internals and native calls charged to the package that called them (writev to pg...). */
  packagesByCaller: SelfTime[];
  /** imagegate's functions (dist/) by time on the stack, callees included. */
  imagegateInclusive: SelfTime[];
}

/** Where a script belongs: a package of node_modules, node's internals, imagegate's dist/, or V8's pseudo-frames. */
export function packageOf(url: string, functionName: string): string {
  if (url === "") return `(${functionName.replace(/[()]/g, "") || "native"})`;
  if (url.startsWith("node:")) return "node (internals)";
  if (url.startsWith("wasm://")) return "(wasm: Prisma's engines)";
  const file = url.replace(/^file:\/\//, "");
  const modules = file.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const parts = file.slice(modules + "/node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const dist = file.indexOf("/dist/");
  if (dist >= 0) return `imagegate ${path.dirname(file.slice(dist + "/dist/".length)).split("/")[0]}`;
  return path.basename(file);
}

function shortLocation(url: string, line: number): string {
  const file = url.replace(/^file:\/\//, "");
  const modules = file.lastIndexOf("/node_modules/");
  const shown = modules >= 0 ? file.slice(modules + "/node_modules/".length) : file.replace(/^.*\/dist\//, "dist/");
  return `${shown}:${line + 1}`;
}

const isImagegate = (url: string) => url.includes("/dist/") && !url.includes("/node_modules/");

/**
 * `window`: only the samples between these instants, in microseconds of the monotonic clock
 * (process.hrtime.bigint() / 1000n in any process of this machine: V8 stamps samples with the same clock).
 */
export function summarizeProfile(file: string, options: { top?: number; window?: [number, number] } = {}) {
  const top = options.top ?? 25;
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const frameName = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    return url === ""
      ? functionName || "(anonymous)"
      : `${functionName || "(anonymous)"} ${shortLocation(url, lineNumber)}`;
  };
  const ancestors = (id: number): ProfileNode[] => {
    const chain: ProfileNode[] = [];
    for (let parent = parentOf.get(id); parent !== undefined; parent = parentOf.get(parent)) {
      const node = byId.get(parent)!;
      if (node.callFrame.functionName !== "(root)") chain.push(node);
    }
    return chain;
  };
  /** The nearest 3 named callers outside node's internals (streams, sockets, promises), else node's own. */
  const callersOf = (id: number): string => {
    const named = ancestors(id).filter((node) => node.callFrame.functionName !== "");
    const outside = named.filter((node) => !node.callFrame.url.startsWith("node:"));
    return (outside.length > 0 ? outside : named).slice(0, 3).map(frameName).join(" < ");
  };

  // Self time per node, within the window.
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  let inWindow = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (options.window !== undefined && (at < options.window[0] || at > options.window[1])) continue;
    inWindow++;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const windowed = options.window !== undefined && inWindow > 0;
  if (options.window !== undefined && inWindow === 0) return summarizeProfile(file, { top });

  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  const packagesByCaller = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const callers = new Map<string, Map<string, number>>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url } = node.callFrame;
    totalUs += us;
    if (functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    const name = frameName(node);
    functions.set(name, (functions.get(name) ?? 0) + us);
    const chain = callersOf(id);
    const byChain = callers.get(name) ?? new Map<string, number>();
    byChain.set(chain, (byChain.get(chain) ?? 0) + us);
    callers.set(name, byChain);
    const pkg = packageOf(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const stack = [node, ...ancestors(id)];
    const owner = stack.find((frame) => frame.callFrame.url !== "" && !frame.callFrame.url.startsWith("node:"));
    const ownerPackage = owner === undefined ? pkg : packageOf(owner.callFrame.url, owner.callFrame.functionName);
    packagesByCaller.set(ownerPackage, (packagesByCaller.get(ownerPackage) ?? 0) + us);
    const onStack = new Set(stack.filter((frame) => isImagegate(frame.callFrame.url)).map((frame) => frameName(frame)));
    for (const frame of onStack) inclusive.set(frame, (inclusive.get(frame) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rank = (map: Map<string, number>, count: number): SelfTime[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs === 0 ? 0 : us / busyUs }));
  const topCaller = (name: string): string | undefined => {
    const chains = [...(callers.get(name) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]);
    const [chain, us] = chains[0] ?? ["", 0];
    const total = chains.reduce((sum, [, value]) => sum + value, 0);
    return chain === "" ? undefined : `${chain} (${Math.round((us / Math.max(1, total)) * 100)} %)`;
  };
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    windowed,
    functions: rank(functions, top).map((entry) => ({ ...entry, calledFrom: topCaller(entry.name) })),
    packages: rank(packages, 20),
    packagesByCaller: rank(packagesByCaller, 20),
    imagegateInclusive: rank(inclusive, top),
  } satisfies ProfileSummary;
}
