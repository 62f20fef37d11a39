import { adminQuery, withDatabase } from "../lib/database";
import type { Options } from "../lib/options";
import { out, seconds } from "../lib/output";
import { runCommand } from "../lib/processes";

// --finance: seed 1M and 10M generations (bench/seed-spend.sql) and time spendReport (bench/spend-report.ts).

export async function runFinance(options: Options): Promise<void> {
  out("\n[finance] spendReport on seeded generations (bench/seed-spend.sql, bench/spend-report.ts)");
  for (const generations of options.financeSizes) {
    const name = `imagegate_bench_${process.pid}_spend`;
    const url = withDatabase(options.postgresUrl, name);
    await adminQuery(options.postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminQuery(options.postgresUrl, `CREATE DATABASE ${name}`);
    try {
      const env = { PATH: process.env.PATH, DATABASE_URL: url, LOG_LEVEL: "warn" };
      await runCommand(process.execPath, ["dist/cli/main.js", "migrate"], { env });
      const seedStarted = Date.now();
      out(`  seeding ${generations.toLocaleString("en-US")} generations...`);
      // With the ledger (ledger=1): partial days and hours, rolling windows, API_KEY and TAG read real rows.
      const seedArgs = [url, "-q", "-v", `generations=${generations}`, "-v", "ledger=1", "-f", "bench/seed-spend.sql"];
      await runCommand("psql", seedArgs, {
        env,
        onLine: (line) => out(`    psql: ${line}`),
      });
      out(`  seeded in ${seconds(seedStarted)}; timing spendReport (bench/spend-report.ts):`);
      await runCommand(process.execPath, ["-r", "@swc-node/register", "bench/spend-report.ts"], {
        env,
        onLine: (line) => out(`    ${line}`),
      });
    } finally {
      await adminQuery(options.postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }
}

/** Without --finance: how to run the finance queries by hand. */
export function printFinanceSkipped(): void {
  out("\n[finance] skipped (seeding 10M generations takes minutes): `npm run bench -- --finance`, or by hand:");
  out(
    "  createdb -h 127.0.0.1 -U postgres imagegate_spend && export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imagegate_spend",
  );
  out("  npm run migrate && psql $DATABASE_URL -v generations=10000000 -v ledger=1 -f bench/seed-spend.sql");
  out("  node -r @swc-node/register bench/spend-report.ts");
}
