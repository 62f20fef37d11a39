import pg from "pg";

export interface LedgerCheck {
  ok: boolean;
  /** Successes the load generator saw (distinct generation ids). */
  seen: number;
  /** Ids seen more than once (two responses for one generation: never expected). */
  duplicateIds: number;
  charges: number;
  /** Seen ids with exactly one CHARGE row. */
  seenChargedOnce: number;
  /** Charged generations the load generator never saw: requests cut when the run stopped (at most its connections). */
  chargedUnseen: number;
  succeeded: number;
  pending: number;
  failed: number;
  openHolds: number;
  reservedMicros: bigint;
  balanceMicros: bigint;
  /** Grants minus the charges' cost at the price of the request (16 000 micro-dollars each for DALL-E 2 256x256). */
  expectedBalanceMicros: bigint;
  problems: string[];
}

/**
 * After a run by these users across processes: every success the load generator saw was charged exactly once, nothing is
 * left held or pending, and the balance is the grants less what was charged.
 */
export async function checkLedger(args: {
  databaseUrl: string;
  userIds: string[];
  seenIds: string[];
  perRequestMicros: bigint;
  connections: number;
}): Promise<LedgerCheck> {
  const client = new pg.Client({ connectionString: args.databaseUrl });
  await client.connect();
  try {
    const distinct = [...new Set(args.seenIds)];
    const one = async <T>(sql: string, values: unknown[]) => (await client.query(sql, values)).rows[0] as T;
    const ledger = await one<{ charges: string; charged_sum: string; grants: string }>(
      `SELECT count(*) FILTER (WHERE kind = 'CHARGE') AS charges,
              coalesce(sum(amount_micros) FILTER (WHERE kind = 'CHARGE'), 0) AS charged_sum,
              coalesce(sum(amount_micros) FILTER (WHERE kind = 'GRANT'), 0) AS grants
         FROM ledger_entries WHERE user_id = ANY($1::uuid[])`,
      [args.userIds],
    );
    const seenCharged = await one<{ once: string }>(
      `SELECT count(*) AS once FROM (
         SELECT generation_id FROM ledger_entries
          WHERE kind = 'CHARGE' AND generation_id = ANY($1::uuid[])
          GROUP BY generation_id HAVING count(*) = 1) charged`,
      [distinct],
    );
    const statuses = await client.query<{ status: string; count: string }>(
      "SELECT status, count(*) FROM image_generations WHERE user_id = ANY($1::uuid[]) GROUP BY status",
      [args.userIds],
    );
    const count = (status: string) => Number(statuses.rows.find((row) => row.status === status)?.count ?? 0);
    const holds = await one<{ open: string }>(
      "SELECT count(*) FILTER (WHERE status = 'OPEN') AS open FROM holds WHERE user_id = ANY($1::uuid[])",
      [args.userIds],
    );
    const user = await one<{ balance_micros: string; reserved_micros: string }>(
      "SELECT sum(balance_micros) AS balance_micros, sum(reserved_micros) AS reserved_micros FROM users WHERE id = ANY($1::uuid[])",
      [args.userIds],
    );
    const charges = Number(ledger.charges);
    const balanceMicros = BigInt(user.balance_micros);
    const expectedBalanceMicros = BigInt(ledger.grants) - BigInt(charges) * args.perRequestMicros;
    const check: LedgerCheck = {
      ok: true,
      seen: distinct.length,
      duplicateIds: args.seenIds.length - distinct.length,
      charges,
      seenChargedOnce: Number(seenCharged.once),
      chargedUnseen: charges - Number(seenCharged.once),
      succeeded: count("SUCCEEDED"),
      pending: count("PENDING"),
      failed: count("FAILED"),
      openHolds: Number(holds.open),
      reservedMicros: BigInt(user.reserved_micros),
      balanceMicros,
      expectedBalanceMicros,
      problems: [],
    };
    const problem = (condition: boolean, message: string) => {
      if (!condition) check.problems.push(message);
    };
    problem(check.duplicateIds === 0, `${check.duplicateIds} generation ids were returned twice`);
    problem(check.seenChargedOnce === check.seen, `${check.seen - check.seenChargedOnce} successes not charged once`);
    problem(check.succeeded === charges, `${check.succeeded} SUCCEEDED generations but ${charges} charges`);
    problem(
      check.chargedUnseen >= 0 && check.chargedUnseen <= args.connections,
      `${check.chargedUnseen} charged generations were never seen (at most ${args.connections} may be cut at the stop)`,
    );
    problem(check.pending === 0 && check.openHolds === 0, `${check.pending} pending, ${check.openHolds} open holds`);
    problem(check.reservedMicros === 0n, `reserved ${check.reservedMicros} micro-dollars after the run`);
    problem(BigInt(ledger.charged_sum) === -BigInt(charges) * args.perRequestMicros, "a charge of another amount");
    problem(balanceMicros === expectedBalanceMicros, `balance ${balanceMicros}, expected ${expectedBalanceMicros}`);
    check.ok = check.problems.length === 0;
    return check;
  } finally {
    await client.end();
  }
}
