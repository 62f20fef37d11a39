import { coresLine, othersCores } from "../lib/measure";
import { TARGET_LABELS } from "../lib/options";
import { fixed, MB, out, table, verdict } from "../lib/output";
import type { InFlightReport, InFlightRun } from "./in-flight";

// How the in-flight phase prints: each run as it ends, then a summary table and the ratios against the targets.

export function printRun(run: InFlightRun): void {
  const w = run.window;
  const span = ([a, b]: [number, number]) => (a === b ? String(a) : `${a}-${b}`);
  out(
    `    in flight during the window: client ${span(run.inFlight.client)}, fake ${span(run.inFlight.fake)}` +
      (run.inFlight.pendingGenerations === undefined ? "" : `, PENDING ${span(run.inFlight.pendingGenerations)}`) +
      `; client sockets ${run.clientSockets}`,
  );
  out(
    `    calls: ${fixed(w.okPerSecond, 1)}/s answered in the window, p50 ${fixed(w.callMs.p50 / 1000, 2)} s p99 ` +
      `${fixed(w.callMs.p99 / 1000, 2)} s; ${run.ok} ok, ${run.failed} failed in all` +
      (run.firstFailure === undefined ? "" : ` (first: ${run.firstFailure})`),
  );
  out(
    `    RSS: at rest ${fixed(run.restRssMB, 0)} MB, in the window mean ${fixed(w.rssMeanMB, 0)} max ${fixed(w.rssMaxMB, 0)} MB, ` +
      `peak ${fixed(run.peakRssMB, 0)} MB; ${fixed(run.kbPerCall, 1)} KB per call in flight`,
  );
  out(
    `    cheap request: idle p50 ${fixed(run.idleProbe.latencyMs.p50)} p99 ${fixed(run.idleProbe.latencyMs.p99)} ms; ` +
      `in the window p50 ${fixed(w.probe.latencyMs.p50)} p99 ${fixed(w.probe.latencyMs.p99)} max ${fixed(w.probe.latencyMs.max)} ms ` +
      `(${w.probe.sent} sent, ${w.probe.failed} failed)`,
  );
  if (run.health !== undefined) {
    const { idle, window } = run.health;
    out(
      `    /healthz beside it: idle p50 ${fixed(idle.latencyMs.p50)} p99 ${fixed(idle.latencyMs.p99)} ms; in the window ` +
        `p50 ${fixed(window.latencyMs.p50)} p99 ${fixed(window.latencyMs.p99)} max ${fixed(window.latencyMs.max)} ms`,
    );
  }
  out(`    window: ${coresLine(w.usage)}`);
  out(`    ${insideLine(run)}`);
}

/** V8 heap alive (after a full GC) at the window's end less at rest, per call held. */
export function liveKBPerCall(run: InFlightRun): number {
  const { rest, window } = run.inside;
  return ((window.live?.heapUsed ?? NaN) - (rest.live?.heapUsed ?? NaN)) / 1024 / run.calls;
}

/** Where the memory went (V8's heap, alive or not; Buffers; the rest), and what stalled the event loop. */
function insideLine(run: InFlightRun): string {
  const { window } = run.inside;
  const mb = (bytes: number | undefined) => fixed(MB(bytes ?? NaN), 0);
  const native = window.now.rss - window.now.heapTotal - window.now.external;
  const gc = window.gcPauses;
  return (
    `inside, at the window's end: heap ${mb(window.now.heapUsed)} used of ${mb(window.now.heapTotal)} MB, ` +
    `${mb(window.live?.heapUsed)} MB alive after a full GC (${fixed(liveKBPerCall(run), 1)} KB per call more than ` +
    `at rest); external ${mb(window.now.external)} MB; the rest of RSS (sockets, code, malloc) ${mb(native)} MB.\n` +
    `    since the load began: event loop delay p50 ${fixed(window.loopDelayMs.p50)} p99 ${fixed(window.loopDelayMs.p99)} ` +
    `max ${fixed(window.loopDelayMs.max)} ms; GC ${gc.count} pauses, ${fixed(gc.totalMs, 0)} ms in all, the longest ` +
    `${fixed(gc.maxMs)} ms; of them ${gc.major} major (mark-compact), ${fixed(gc.majorMs, 0)} ms, the longest ${fixed(gc.majorMaxMs)} ms`
  );
}

export function printInFlight(report: InFlightReport): void {
  out(`\n[in flight: summary] fake latency ${report.latencyMs} ms; figures from each run's window`);
  out(
    table(
      [
        "target",
        "mode",
        "calls",
        "in flight (fake)",
        "calls/s",
        "failed",
        "RSS rest MB",
        "RSS window MB",
        "peak RSS MB",
        "KB/call",
        "alive KB/call",
        "cheap p99 idle ms",
        "cheap p99 ms",
        "health p99 ms",
        "loop delay p99 ms",
        "longest GC ms",
        "target cores",
        "others' cores",
      ],
      report.runs.map((run) => {
        const own = run.window.usage.processes.find((p) => p.name === run.target);
        const inside = run.inside.window;
        return [
          TARGET_LABELS[run.target],
          run.mode,
          String(run.calls),
          `${run.inFlight.fake[0]}-${run.inFlight.fake[1]}`,
          fixed(run.window.okPerSecond, 0),
          String(run.failed),
          fixed(run.restRssMB, 0),
          fixed(run.window.rssMeanMB, 0),
          fixed(run.peakRssMB, 0),
          fixed(run.kbPerCall, 1),
          fixed(liveKBPerCall(run), 1),
          fixed(run.idleProbe.latencyMs.p99),
          fixed(run.window.probe.latencyMs.p99),
          fixed(healthP99(run)),
          fixed(inside.loopDelayMs.p99),
          fixed(inside.gcPauses.maxMs),
          fixed((own?.cpuSeconds ?? 0) / run.window.usage.elapsedSeconds),
          fixed(othersCores(run.window.usage)),
        ];
      }),
    ),
  );
  const rows = report.runs.filter((run) => run.target === "imagegate").flatMap((run) => ratioRows(report, run));
  if (rows.length > 0) out(table(["ratio", "value", "target", ""], rows));
}

/** The health endpoint's p99 in the window: imagegate's /healthz, Portkey's / (its cheap request). */
const healthP99 = (run: InFlightRun): number => (run.health?.window ?? run.window.probe).latencyMs.p99;

/** imagegate's run against Portkey's at the same mode and count, against itself idle, and against the targets. */
function ratioRows(report: InFlightReport, imagegate: InFlightRun): string[][] {
  const { mode, calls, asked } = imagegate;
  const label = `${mode} ${calls}`;
  const p99 = imagegate.window.probe.latencyMs.p99;
  const rows: string[][] = [];
  const portkey = report.runs.find((run) => run.target === "portkey" && run.mode === mode && run.calls === calls);
  if (portkey !== undefined) {
    rows.push([`${label}: peak RSS imagegate / Portkey`, fixed(imagegate.peakRssMB / portkey.peakRssMB), "", ""]);
    rows.push([`${label}: me p99 imagegate / Portkey's health p99`, fixed(p99 / healthP99(portkey)), "", ""]);
    rows.push([`${label}: health p99 imagegate / Portkey`, fixed(healthP99(imagegate) / healthP99(portkey)), "", ""]);
  }
  rows.push([`${label}: imagegate me p99 loaded / idle`, fixed(p99 / imagegate.idleProbe.latencyMs.p99), "", ""]);
  if (asked < 10_000) return rows;
  const peak = imagegate.peakRssMB;
  rows.push([`${label}: imagegate peak RSS, MB`, fixed(peak, 0), "< 1024", verdict(peak < 1024)]);
  if (asked > calls) {
    // The peak's growth over rest, per call held, carried on to the calls asked for.
    const extrapolated = imagegate.restRssMB + ((peak - imagegate.restRssMB) * asked) / calls;
    rows.push([`  the same at ${asked}, extrapolated`, fixed(extrapolated, 0), "< 1024", verdict(extrapolated < 1024)]);
  }
  rows.push([`${label}: imagegate me p99, ms`, fixed(p99), "< 50", verdict(p99 < 50)]);
  return rows;
}
