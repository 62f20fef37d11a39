import type { BenchContext } from "../lib/context";
import { fixed, out } from "../lib/output";
import { countRoundTrips, type RoundTripReport } from "../lib/round-trips";

// Database round trips of one generateImage: imagegate in this process, every pg query counted (bench/lib/round-trips.ts).

export async function runRoundTrips(context: BenchContext): Promise<void> {
  const { options, fake, users, databaseUrl } = context;
  out(
    `\n[round trips] ${options.roundTripCalls} sequential generateImage calls, imagegate in this process, every pg query counted`,
  );
  const roundTrips = await countRoundTrips({
    databaseUrl,
    openai: { apiKey: fake.apiKey, baseURL: `${fake.origin}/v1` },
    apiKey: users[0]!.apiKey,
    calls: options.roundTripCalls,
  });
  context.report.roundTrips = roundTrips;
  printRoundTrips(roundTrips);
}

function printRoundTrips(report: RoundTripReport): void {
  const min = Math.min(...report.perCall);
  const max = Math.max(...report.perCall);
  const mean = report.perCall.reduce((a, b) => a + b, 0) / report.perCall.length;
  out(
    `  round trips per generateImage: ${fixed(mean, 2)} (min ${min}, max ${max}) over ${report.calls} calls; target: at most 3 ${mean <= 3 ? "(met)" : "(MISSED)"}`,
  );
  out("  statements of one call, in order:");
  report.sequence.forEach((statement, i) => out(`    ${String(i + 1).padStart(2)}. ${statement}`));
  out(`  distinct statements (${report.distinct.length}), per call:`);
  for (const { statement, perCall } of report.distinct) out(`    ${fixed(perCall, 2)} x ${statement}`);
}
