import { formatMoney } from "../../src/domain/money";
import type { BenchContext, Report } from "../lib/context";
import { waitUntilSettled } from "../lib/database";
import { checkLedger } from "../lib/ledger-check";
import { runLoad } from "../lib/load";
import { measure, phaseCells, type Phase } from "../lib/measure";
import { TARGET_LABELS } from "../lib/options";
import { fixed, out, table } from "../lib/output";
import { runCommand } from "../lib/processes";
import { generationIdOf, imagegateRequest, isGeneratedImage } from "../lib/requests";
import { createUsers, startImagegateProcess } from "../lib/targets";

// Two imagegate processes on one database, c=16 each at the same time, then the ledger checked against what the load
// generator saw, and verify-ledger.

export async function runTwoProcesses(context: BenchContext): Promise<void> {
  const { options, report, imagegate, fake, workDir, databaseUrl, databaseName, users, targetProcess } = context;
  out("\n[2 processes] two imagegate processes on one database, c=16 each at the same time");
  const second = await startImagegateProcess({ name: "imagegate-2", databaseUrl, fake, workDir });
  out(`  imagegate-2 at ${second.url} (pid ${second.child.pid})`);
  const ledgerUsers = await createUsers(databaseUrl, "bench-2p", options.users);
  const keys = ledgerUsers.map((u) => u.apiKey);
  if (options.warmupSeconds > 0) {
    out("  warming up both");
    await Promise.all(
      [imagegate.url, second.url].map((url) =>
        runLoad(
          imagegateRequest(
            url,
            users.map((u) => u.apiKey),
          ),
          { connections: 16, durationSeconds: options.warmupSeconds },
        ),
      ),
    );
  }
  const seenIds: string[] = [];
  const collecting = (body: string) => {
    if (!isGeneratedImage(body)) return false;
    const id = generationIdOf(body);
    if (id !== undefined) seenIds.push(id);
    return id !== undefined;
  };
  const combined = await measure({
    label: "2 processes c=16+16",
    target: "imagegate x2",
    specs: [imagegateRequest(imagegate.url, keys, collecting), imagegateRequest(second.url, keys, collecting)],
    connections: 32,
    durationSeconds: options.durationSeconds,
    targetProcesses: [
      { name: "imagegate", pid: imagegate.child.pid },
      { name: "imagegate-2", pid: second.child.pid },
    ],
    others: [targetProcess.direct],
    databaseName,
  });
  const pending = await waitUntilSettled(databaseUrl);
  const ledger = await checkLedger({
    databaseUrl,
    userIds: ledgerUsers.map((u) => u.userId),
    seenIds,
    perRequestMicros: context.perRequestMicros,
    // Each run's stop cuts the requests in flight: the server finishes and charges them, unseen.
    connections: 32 * combined.attempts,
  });
  const verifyLedger = await runVerifyLedger(databaseUrl);
  const single = report.phases.find((p) => p.target === TARGET_LABELS.imagegate && p.connections === 32);
  report.twoProcesses = { single, combined, ledger, verifyLedger };
  printTwoProcesses(report.twoProcesses, pending);
  await second.child.stop();
}

async function runVerifyLedger(databaseUrl: string): Promise<string> {
  try {
    const output = await runCommand(process.execPath, ["dist/cli/main.js", "verify-ledger"], {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
    });
    const parsed = JSON.parse(output) as { ok: boolean; accountsChecked?: number };
    return `ok (${parsed.accountsChecked ?? "?"} accounts)`;
  } catch (error) {
    return `FAILED: ${String(error).slice(0, 2000)}`;
  }
}

function printTwoProcesses(result: NonNullable<Report["twoProcesses"]>, pendingAfter: number): void {
  const { single, combined, ledger } = result;
  const rows = [single, combined]
    .filter((p): p is Phase => p !== undefined)
    .map((p) => [p === single ? "1 process, c=32" : "2 processes, c=16 + 16", ...phaseCells(p, ["p50", "p99"])]);
  out(
    table(
      ["imagegate", "req/s", "p50 ms", "p99 ms", "failed", "CPU ms/req", "+ PG ms/req", "peak RSS MB", "others' cores"],
      rows,
    ),
  );
  if (single !== undefined)
    out(`  2 processes / 1 process: ${fixed(combined.load.requestsPerSecond / single.load.requestsPerSecond, 2)}`);
  const usd = (micros: bigint) => formatMoney(micros);
  out(
    `  ledger after the run (${pendingAfter} pending when checked): ${ledger.ok ? "EXACT" : "MISMATCH"}\n` +
      `    ${ledger.seen} successes seen by the load generator, ${ledger.seenChargedOnce} of them charged exactly once` +
      ` (${ledger.duplicateIds} ids seen twice)\n` +
      `    ${ledger.charges} CHARGE rows = ${ledger.succeeded} SUCCEEDED generations; ${ledger.chargedUnseen} of them for` +
      ` requests in flight when the load stopped (the server finished and charged them; their responses went unread)\n` +
      `    ${ledger.pending} PENDING, ${ledger.openHolds} open holds, reserved ${usd(ledger.reservedMicros)}; balance` +
      ` ${usd(ledger.balanceMicros)}, grants - charges x cost = ${usd(ledger.expectedBalanceMicros)}`,
  );
  for (const problem of ledger.problems) out(`    PROBLEM: ${problem}`);
  out(`  verify-ledger (dist/cli/main.js): ${result.verifyLedger}`);
}
