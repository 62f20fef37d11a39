import type { Db, Tx } from "../db";
import { formatMoney } from "../money";
import { SHARD_GRAINS, USER_GRAINS } from "../reports/spend-grains";

// Proves the caches against what they cache, in set-based SQL (whole-table hash aggregates and joins, never a query
// per row), inside one REPEATABLE READ snapshot so that a running system is seen at one instant:
// - accounts: users.balance_micros is the sum of the user's ledger, users.reserved_micros the sum of its OPEN holds;
// - holds: a hold is OPEN exactly while its generation is PENDING;
// - charges: a SUCCEEDED generation has exactly one CHARGE, of its cost; any other generation has none;
// - balanceChain: each user's entries chain from 0 to the balance (every entry starts where another ended);
// - aggregates: spend_daily's cost per user is the net of its CHARGE and REFUND entries, and so is, in every grain
//   that keeps the user, the sum of the user's spend keys' latest running totals (spend_running); in the grains that
//   keep only the user's shard, the sum of a shard's keys' latest totals is the net of the shard's users.

/** Rows listed per failing check; the counts are always complete. */
const LISTED_MAX = 100;
const TRANSACTION_OPTIONS = { isolationLevel: "RepeatableRead", maxWait: 10_000, timeout: 600_000 } as const;

export interface AccountMismatch {
  userId: string;
  email: string;
  balance: string;
  ledgerSum: string;
  reserved: string;
  openHolds: string;
}

interface Section<T> {
  ok: boolean;
  count: number;
  rows: T[];
}

export interface LedgerReport {
  ok: boolean;
  accountsChecked: number;
  /** Accounts whose balance or reserved disagrees with the ledger or the open holds. */
  mismatches: AccountMismatch[];
  mismatchCount: number;
  holds: Section<{ generationId: string; holdStatus: string; generationStatus: string }>;
  /** `charge`: the (first) charge's amount, null when there is none. */
  charges: Section<{ generationId: string; status: string; charges: number; charge: string | null; cost: string }>;
  balanceChain: Section<{ userId: string }>;
  aggregates: Section<{ userId: string; spendDaily: string; ledgerNet: string; spendRunning?: string }> & {
    spendDailyTotal: string;
    ledgerNetTotal: string;
    /** Shards whose running totals, in a grain that keeps only the shard, disagree with their users' ledger. */
    shards: Section<{ grain: string; shard: number; spendRunning: string; ledgerNet: string }>;
  };
  /**
   * What reported usage cost beyond the holds it was settled against, uncharged: not a mismatch (the charge never
   * passes the hold, by design) but money finance should see. Dollars, and how many generations had any.
   */
  shortfalls: { total: string; generations: number };
}

export async function verifyLedger(db: Db): Promise<LedgerReport> {
  return db.$transaction(async (tx) => {
    // Per-generation and per-entry aggregates are hashed in memory, not spilled to disk or index-scanned in uuid order.
    await tx.$executeRaw`SET LOCAL work_mem = '256MB'`;
    const accountsChecked = await countUsers(tx);
    const accounts = await accountMismatches(tx);
    const holds = await holdMismatches(tx);
    const charges = await chargeMismatches(tx);
    const balanceChain = await brokenChains(tx);
    const aggregates = { ...(await aggregateMismatches(tx)), shards: await shardMismatches(tx) };
    const shortfalls = await shortfallTotal(tx);
    return {
      ok: accounts.ok && holds.ok && charges.ok && balanceChain.ok && aggregates.ok && aggregates.shards.ok,
      accountsChecked,
      mismatches: accounts.rows,
      mismatchCount: accounts.count,
      holds,
      charges,
      balanceChain,
      aggregates,
      shortfalls,
    };
  }, TRANSACTION_OPTIONS);
}

async function shortfallTotal(tx: Tx): Promise<LedgerReport["shortfalls"]> {
  const [row] = await tx.$queryRaw<{ micros: bigint; generations: number }[]>`
    SELECT COALESCE(sum(shortfall_micros), 0)::bigint AS micros, count(*)::int AS generations
      FROM image_generations WHERE shortfall_micros > 0`;
  return { total: formatMoney(row!.micros), generations: row!.generations };
}

async function countUsers(tx: Tx): Promise<number> {
  const rows = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM users`;
  return rows[0]!.n;
}

function section<T>(rows: (T & { total: number })[]): Section<T> {
  const count = rows[0]?.total ?? 0;
  return { ok: count === 0, count, rows: rows.map(({ total: _total, ...row }) => row as T) };
}

async function accountMismatches(tx: Tx): Promise<Section<AccountMismatch>> {
  const rows = await tx.$queryRaw<
    {
      userId: string;
      email: string;
      balance: bigint;
      ledgerSum: bigint;
      reserved: bigint;
      openHolds: bigint;
      total: number;
    }[]
  >`
    WITH ledger AS (SELECT user_id, sum(amount_micros) AS micros FROM ledger_entries GROUP BY user_id),
    open_holds AS (SELECT user_id, sum(amount_micros) AS micros FROM holds WHERE status = 'OPEN' GROUP BY user_id),
    wrong AS MATERIALIZED (
      SELECT u.id, u.email, u.balance_micros, COALESCE(l.micros, 0) AS ledger_sum,
             u.reserved_micros, COALESCE(h.micros, 0) AS open_holds
        FROM users u LEFT JOIN ledger l ON l.user_id = u.id LEFT JOIN open_holds h ON h.user_id = u.id
       WHERE u.balance_micros <> COALESCE(l.micros, 0) OR u.reserved_micros <> COALESCE(h.micros, 0))
    SELECT id::text AS "userId", email, balance_micros AS balance, ledger_sum::bigint AS "ledgerSum",
           reserved_micros AS reserved, open_holds::bigint AS "openHolds", (count(*) OVER ())::int AS total
      FROM wrong ORDER BY id LIMIT ${LISTED_MAX}`;
  return section(
    rows.map((row) => ({
      ...row,
      balance: formatMoney(row.balance),
      ledgerSum: formatMoney(row.ledgerSum),
      reserved: formatMoney(row.reserved),
      openHolds: formatMoney(row.openHolds),
    })),
  );
}

/** OPEN holds on finished generations, and PENDING generations without an OPEN hold. */
async function holdMismatches(tx: Tx) {
  const rows = await tx.$queryRaw<
    { generationId: string; holdStatus: string; generationStatus: string; total: number }[]
  >`
    WITH wrong AS MATERIALIZED (
      SELECT g.id, 'OPEN' AS hold_status, g.status::text AS generation_status
        FROM holds h JOIN image_generations g ON g.id = h.generation_id
       WHERE h.status = 'OPEN' AND g.status <> 'PENDING'
      UNION ALL
      SELECT g.id, COALESCE(h.status::text, 'NONE'), 'PENDING'
        FROM image_generations g LEFT JOIN holds h ON h.generation_id = g.id
       WHERE g.status = 'PENDING' AND h.status IS DISTINCT FROM 'OPEN')
    SELECT id::text AS "generationId", hold_status AS "holdStatus", generation_status AS "generationStatus",
           (count(*) OVER ())::int AS total
      FROM wrong ORDER BY id LIMIT ${LISTED_MAX}`;
  return section(rows);
}

/** Generations charged other than once for SUCCEEDED (at their cost) and never otherwise. */
async function chargeMismatches(tx: Tx) {
  // min() rather than sum(): it stays bigint (sum of bigint is numeric), and with exactly one charge it is the charge.
  const rows = await tx.$queryRaw<
    { generationId: string; status: string; charges: number; charge: bigint | null; cost: bigint; total: number }[]
  >`
    WITH charges AS (
      SELECT generation_id, count(*) AS n, min(amount_micros) AS amount_micros
        FROM ledger_entries WHERE kind = 'CHARGE' AND generation_id IS NOT NULL GROUP BY generation_id),
    wrong AS MATERIALIZED (
      SELECT g.id, g.status::text AS status, COALESCE(c.n, 0) AS charges, c.amount_micros, g.cost_micros
        FROM image_generations g LEFT JOIN charges c ON c.generation_id = g.id
       WHERE CASE WHEN g.status = 'SUCCEEDED' THEN c.n IS DISTINCT FROM 1 OR c.amount_micros <> -g.cost_micros
                  ELSE c.n IS NOT NULL END)
    SELECT id::text AS "generationId", status, charges::int AS charges, -amount_micros AS charge,
           cost_micros AS cost, (count(*) OVER ())::int AS total
      FROM wrong ORDER BY id LIMIT ${LISTED_MAX}`;
  return section(
    rows.map((row) => ({
      ...row,
      charge: row.charge === null ? null : formatMoney(row.charge),
      cost: formatMoney(row.cost),
    })),
  );
}

/**
 * Without relying on the order of entries (timestamps tie, and commit order is not insertion order): the multiset of
 * each user's starting points (balance_after - amount) must equal {0} plus its end points minus its final balance.
 */
async function brokenChains(tx: Tx) {
  const rows = await tx.$queryRaw<{ userId: string; total: number }[]>`
    WITH points AS (
      SELECT user_id, balance_after_micros - amount_micros AS micros, 1 AS n FROM ledger_entries
      UNION ALL SELECT user_id, balance_after_micros, -1 FROM ledger_entries
      UNION ALL SELECT id, 0, -1 FROM users
      UNION ALL SELECT id, balance_micros, 1 FROM users),
    unmatched AS MATERIALIZED (SELECT DISTINCT user_id FROM points GROUP BY user_id, micros HAVING sum(n) <> 0)
    SELECT user_id::text AS "userId", (count(*) OVER ())::int AS total
      FROM unmatched ORDER BY user_id LIMIT ${LISTED_MAX}`;
  return section(rows);
}

async function aggregateMismatches(tx: Tx) {
  const rows = await tx.$queryRaw<
    { userId: string | null; spendDaily: bigint; ledgerNet: bigint; total: number; spendRunning: bigint | null }[]
  >`
    WITH daily AS (SELECT user_id, sum(cost_micros) AS micros FROM spend_daily GROUP BY user_id),
    net AS (
      SELECT user_id, -sum(amount_micros) AS micros FROM ledger_entries
       WHERE kind IN ('CHARGE', 'REFUND') GROUP BY user_id),
    per_grain AS (
      -- Each user with running totals, in every grain that keeps users (one with no key of the user's counts as 0).
      SELECT u.user_id, COALESCE(sum(r.cost_micros), 0) AS micros
        FROM (SELECT DISTINCT user_key AS user_id FROM spend_running_keys WHERE grain = ANY (${USER_GRAINS}::"SpendGrain"[])) u
       CROSS JOIN unnest(${USER_GRAINS}::"SpendGrain"[]) AS gr(grain)
        LEFT JOIN spend_running_keys k ON k.user_key = u.user_id AND k.grain = gr.grain
        LEFT JOIN (SELECT DISTINCT ON (key_id) key_id, cost_micros FROM spend_running ORDER BY key_id, minute DESC) r
          ON r.key_id = k.id
       GROUP BY u.user_id, gr.grain),
    running AS (SELECT user_id, min(micros) AS low, max(micros) AS high FROM per_grain GROUP BY user_id),
    compared AS (
      -- Every grain holds the same money: the one that differs from the ledger is the one to show.
      SELECT COALESCE(d.user_id, n.user_id, r.user_id) AS user_id, COALESCE(d.micros, 0) AS daily,
             COALESCE(n.micros, 0) AS net,
             CASE WHEN COALESCE(r.low, 0) <> COALESCE(n.micros, 0) THEN COALESCE(r.low, 0) ELSE r.high END AS running
        FROM daily d FULL JOIN net n ON n.user_id = d.user_id
        FULL JOIN running r ON r.user_id = COALESCE(d.user_id, n.user_id)),
    wrong AS (SELECT * FROM compared WHERE daily <> net OR running <> net)
    SELECT NULL AS "userId", (SELECT sum(daily) FROM compared)::bigint AS "spendDaily",
           (SELECT sum(net) FROM compared)::bigint AS "ledgerNet", (SELECT count(*) FROM wrong)::int AS total,
           NULL::bigint AS "spendRunning"
    UNION ALL
    (SELECT user_id::text, daily::bigint, net::bigint, 0, running::bigint FROM wrong ORDER BY user_id
      LIMIT ${LISTED_MAX})`;
  const totals = rows.find((row) => row.userId === null);
  const wrong = rows.filter((row) => row.userId !== null);
  const count = totals?.total ?? 0;
  return {
    ok: count === 0,
    count,
    spendDailyTotal: formatMoney(totals?.spendDaily ?? 0n),
    ledgerNetTotal: formatMoney(totals?.ledgerNet ?? 0n),
    rows: wrong.map((row) => ({
      userId: row.userId!,
      spendDaily: formatMoney(row.spendDaily),
      ledgerNet: formatMoney(row.ledgerNet),
      // Only when the running totals disagree too: the spend_daily mismatch alone reads as before.
      ...(row.spendRunning === row.ledgerNet ? {} : { spendRunning: formatMoney(row.spendRunning ?? 0n) }),
    })),
  };
}

async function shardMismatches(tx: Tx): Promise<LedgerReport["aggregates"]["shards"]> {
  const rows = await tx.$queryRaw<
    { grain: string; shard: number; spendRunning: bigint; ledgerNet: bigint; total: number }[]
  >`
    WITH net AS (
      SELECT spend_shard(user_id) AS shard, -sum(amount_micros) AS micros FROM ledger_entries
       WHERE kind IN ('CHARGE', 'REFUND') GROUP BY 1),
    running AS (
      -- Every shard in every such grain (a shard with no key counts as 0).
      SELECT gr.grain, s.shard, COALESCE(sum(r.cost_micros), 0) AS micros
        FROM unnest(${SHARD_GRAINS}::"SpendGrain"[]) AS gr(grain)
       CROSS JOIN generate_series(0, 15) AS s(shard)
        LEFT JOIN spend_running_keys k ON k.grain = gr.grain AND k.shard = s.shard
        LEFT JOIN LATERAL (SELECT cost_micros FROM spend_running WHERE key_id = k.id ORDER BY minute DESC LIMIT 1) r
          ON true
       GROUP BY 1, 2),
    wrong AS (
      SELECT r.grain, r.shard, r.micros AS running, COALESCE(n.micros, 0) AS net
        FROM running r LEFT JOIN net n ON n.shard = r.shard
       WHERE r.micros <> COALESCE(n.micros, 0))
    SELECT grain::text, shard, running::bigint AS "spendRunning", net::bigint AS "ledgerNet",
           (count(*) OVER ())::int AS total
      FROM wrong ORDER BY grain, shard LIMIT ${LISTED_MAX}`;
  return section(
    rows.map((row) => ({
      ...row,
      spendRunning: formatMoney(row.spendRunning),
      ledgerNet: formatMoney(row.ledgerNet),
    })),
  );
}
