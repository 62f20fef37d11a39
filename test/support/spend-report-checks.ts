import type { SpendDimension } from "../../src/domain/reports/spend-dimension";
import type { SpendReportQuery } from "../generated/graphql";
import type { LedgerSpendEntry } from "./spend-fixtures";

// Groups ledger entries the simple way (in memory, one by one), to hold the report's set-based SQL against.

export type ReportRow = SpendReportQuery["spendReport"]["rows"][number];

export interface ComparableRow {
  key: string;
  requests: number;
  images: number;
  costMicros: bigint;
}

const ENTRY_KEY: Record<SpendDimension, (entry: LedgerSpendEntry) => string> = {
  USER: (entry) => entry.userId,
  TEAM: (entry) => entry.teamId ?? "-",
  API_KEY: (entry) => entry.apiKeyId ?? "-",
  MODEL: (entry) => entry.model,
  SIZE: (entry) => entry.size,
  QUALITY: (entry) => entry.quality,
  // One entry per tag (expandTags): a generation counts toward each of its tags.
  TAG: (entry) => entry.tags[0] ?? "-",
  DAY: (entry) => entry.day.toISOString(),
};

const ROW_KEY: Record<SpendDimension, (row: ReportRow) => string> = {
  USER: (row) => row.user?.id ?? "?",
  TEAM: (row) => row.team?.id ?? "-",
  API_KEY: (row) => row.apiKeyId ?? "-",
  MODEL: (row) => row.model ?? "?",
  SIZE: (row) => row.size ?? "?",
  QUALITY: (row) => row.quality ?? "?",
  TAG: (row) => row.tag ?? "-",
  DAY: (row) => (row.day === null || row.day === undefined ? "?" : new Date(row.day).toISOString()),
};

export function expectedRows(entries: LedgerSpendEntry[], groupBy: SpendDimension[]): ComparableRow[] {
  const groups = new Map<string, ComparableRow>();
  const counted = groupBy.includes("TAG") ? entries.flatMap(expandTags) : entries;
  for (const entry of counted) {
    const key = groupBy.map((dimension) => ENTRY_KEY[dimension](entry)).join("|");
    const group = groups.get(key) ?? { key, requests: 0, images: 0, costMicros: 0n };
    if (entry.kind === "CHARGE") {
      group.requests += 1;
      group.images += entry.n;
    }
    group.costMicros -= entry.amountMicros;
    groups.set(key, group);
  }
  if (groupBy.length === 0 && groups.size === 0) groups.set("", { key: "", requests: 0, images: 0, costMicros: 0n });
  return sortByKey([...groups.values()]);
}

/** An entry once per tag, each holding that tag alone (or none). */
function expandTags(entry: LedgerSpendEntry): LedgerSpendEntry[] {
  return entry.tags.length === 0 ? [entry] : entry.tags.map((tag) => ({ ...entry, tags: [tag] }));
}

export function comparableRows(rows: ReportRow[], groupBy: SpendDimension[]): ComparableRow[] {
  return sortByKey(
    rows.map((row) => ({
      key: groupBy.map((dimension) => ROW_KEY[dimension](row)).join("|"),
      requests: row.requests,
      images: row.images,
      costMicros: micros(row.cost),
    })),
  );
}

const sortByKey = (rows: ComparableRow[]) => rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

export function micros(money: string): bigint {
  const [whole, fraction] = money.replace("-", "").split(".");
  const magnitude = BigInt(whole!) * 1_000_000n + BigInt(fraction!);
  return money.startsWith("-") ? -magnitude : magnitude;
}

/** The documented order: by day first when grouped by DAY, then by cost, highest first. */
export function isInReportOrder(rows: ReportRow[], groupBy: SpendDimension[]): boolean {
  const byDay = groupBy.includes("DAY");
  return rows.every((row, index) => {
    const previous = rows[index - 1];
    if (previous === undefined) return true;
    if (byDay && previous.day !== row.day) return new Date(previous.day!).getTime() < new Date(row.day!).getTime();
    return micros(previous.cost) >= micros(row.cost);
  });
}

/** Every subset of the dimensions, in canonical order (64 of them). */
export function allGroupings(dimensions: readonly SpendDimension[]): SpendDimension[][] {
  return Array.from({ length: 2 ** dimensions.length }, (_, mask) => dimensions.filter((_d, bit) => (mask >> bit) & 1));
}

/** A CSV body as rows of cells (RFC 4180: quoted cells may hold commas, quotes and line breaks). */
export function parseCsv(body: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = "";
  };
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (quoted && char === '"' && body[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (quoted || (char !== "," && char !== "\n" && char !== "\r")) {
      cell += char;
    } else if (char === ",") {
      endCell();
    } else if (char === "\n") {
      endCell();
      rows.push(row);
      row = [];
    }
  }
  if (cell !== "" || row.length > 0) {
    endCell();
    rows.push(row);
  }
  return rows;
}
