// How the bench prints: lines as they come, fixed-width numbers, markdown tables, a progress line per run.

export const out = (line = ""): void => {
  process.stdout.write(`${line}\n`);
};
export const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : "-");
export const MB = (bytes: number): number => bytes / 1024 / 1024;
export const seconds = (startedMs: number): string => `${((Date.now() - startedMs) / 1000).toFixed(1)} s`;
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A markdown table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** A run's progress: in place on a terminal, every 5 s otherwise. */
export function progress(label: string, durationSeconds: number) {
  const tty = process.stdout.isTTY;
  return (second: number, responses: number): void => {
    if (tty) process.stdout.write(`\r    ${label}: ${second}/${durationSeconds} s, ${responses} responses   `);
    else if (second % 5 === 0 && second < durationSeconds)
      out(`    ${label}: ${second}/${durationSeconds} s, ${responses} responses`);
    if (tty && second >= durationSeconds) process.stdout.write("\r");
  };
}

/** "met" or "MISSED", for a figure against its target. */
export const verdict = (met: boolean): string => (met ? "met" : "MISSED");
