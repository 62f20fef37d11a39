// Preload: `node --expose-gc -r ./bench/lib/process-probe.cjs server.js` with PROCESS_PROBE_FILE set. What a process
// does with its memory and its event loop, from inside it: every 50 ms it keeps the highest of each
// process.memoryUsage() figure (rss, V8's heap total and used, external memory, of which ArrayBuffers and Buffers); it
// records the event loop's delay (perf_hooks' histogram) and every garbage collection's pause. On SIGUSR2 it appends
// one JSON line to the file: the memory figures now and their peaks, the loop's delay and the pauses since the last
// signal, and (with --expose-gc) the memory after a full collection, i.e. what is alive. Then it starts again.
// Nothing else in the process changes.
"use strict";

const fs = require("node:fs");
const { setInterval } = require("node:timers");
const { constants, monitorEventLoopDelay, performance, PerformanceObserver } = require("node:perf_hooks");

const file = process.env.PROCESS_PROBE_FILE;
if (file !== undefined && file !== "") {
  let peak = {};
  const sample = () => {
    const now = process.memoryUsage();
    for (const [key, value] of Object.entries(now)) peak[key] = Math.max(peak[key] ?? 0, value);
    return now;
  };
  setInterval(sample, 50).unref();

  // The histogram records the time between its timer's runs, the resolution included: that is taken off below.
  const RESOLUTION_MS = 10;
  const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loop.enable();
  const freshPauses = () => ({ count: 0, totalMs: 0, maxMs: 0, major: 0, majorMs: 0, majorMaxMs: 0 });
  let pauses = freshPauses();
  /** The collection this probe forces is not the process's own: its pause is left out. */
  let forced = [0, 0];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.startTime >= forced[0] && entry.startTime <= forced[1]) continue;
      pauses.count++;
      pauses.totalMs += entry.duration;
      pauses.maxMs = Math.max(pauses.maxMs, entry.duration);
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        pauses.major++;
        pauses.majorMs += entry.duration;
        pauses.majorMaxMs = Math.max(pauses.majorMaxMs, entry.duration);
      }
    }
  }).observe({ entryTypes: ["gc"] });

  process.on("SIGUSR2", () => {
    const now = sample();
    const ms = (ns) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const delay = { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) };
    const report = { pid: process.pid, atMs: Date.now(), now, peak, loopDelayMs: delay, gcPauses: pauses };
    if (typeof globalThis.gc === "function") {
      forced = [performance.now(), Infinity];
      globalThis.gc();
      forced[1] = performance.now();
      report.live = process.memoryUsage();
    }
    fs.appendFileSync(file, `${JSON.stringify(report)}\n`);
    peak = {};
    pauses = freshPauses();
    loop.reset();
  });
}
