import type { Db } from "../db";

// Net spend (charges less refunds) of many users, or many teams, each over its own window, in one statement: what a
// list of users or teams asks for when each row shows its spend. One index probe per owner and window, never a
// round trip per row. The windows are checked by the caller (spendWindow).

export interface OwnerWindow {
  ownerId: string;
  from: Date;
  to: Date;
}

interface Columns {
  owners: string[];
  froms: Date[];
  tos: Date[];
}

function columnsOf(windows: readonly OwnerWindow[]): Columns {
  return {
    owners: windows.map((window) => window.ownerId),
    froms: windows.map((window) => window.from),
    tos: windows.map((window) => window.to),
  };
}

/** Each row's sum in the order asked for: `ord` is the 1-based position of its window. */
function inOrder(windows: readonly OwnerWindow[], rows: { ord: number; spent: bigint | null }[]): bigint[] {
  const spent = new Array<bigint>(windows.length).fill(0n);
  for (const row of rows) spent[row.ord - 1] = row.spent ?? 0n;
  return spent;
}

/** Each user's net spend in its window, in the order given. */
export async function spendMicrosOfUsers(db: Db, windows: readonly OwnerWindow[]): Promise<bigint[]> {
  if (windows.length === 0) return [];
  const { owners, froms, tos } = columnsOf(windows);
  const rows = await db.$queryRaw<{ ord: number; spent: bigint | null }[]>`
    SELECT w.ord::int AS ord, s.spent
      FROM unnest(${owners}::uuid[], ${froms}::timestamptz[], ${tos}::timestamptz[])
           WITH ORDINALITY AS w(user_id, from_at, to_at, ord)
      CROSS JOIN LATERAL (
        SELECT -SUM(l.amount_micros)::bigint AS spent
          FROM ledger_entries l
         WHERE l.user_id = w.user_id AND l.kind IN ('CHARGE', 'REFUND')
           AND l.created_at >= w.from_at AND l.created_at < w.to_at) s`;
  return inOrder(windows, rows);
}

/** Each team's net spend in its window (its generations' charges and refunds), in the order given. */
export async function spendMicrosOfTeams(db: Db, windows: readonly OwnerWindow[]): Promise<bigint[]> {
  if (windows.length === 0) return [];
  const { owners, froms, tos } = columnsOf(windows);
  const rows = await db.$queryRaw<{ ord: number; spent: bigint | null }[]>`
    SELECT w.ord::int AS ord, s.spent
      FROM unnest(${owners}::uuid[], ${froms}::timestamptz[], ${tos}::timestamptz[])
           WITH ORDINALITY AS w(team_id, from_at, to_at, ord)
      CROSS JOIN LATERAL (
        SELECT -SUM(l.amount_micros)::bigint AS spent
          FROM ledger_entries l JOIN image_generations g ON g.id = l.generation_id
         WHERE g.team_id = w.team_id AND l.kind IN ('CHARGE', 'REFUND')
           AND l.created_at >= w.from_at AND l.created_at < w.to_at) s`;
  return inOrder(windows, rows);
}
