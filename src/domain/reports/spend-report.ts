import type { Db } from "../db";
import { badInput } from "../errors";
import type { ImageModel, ImageQuality, ImageSize } from "../enums";
import { normalizeGroupBy, type SpendDimension } from "./spend-dimension";
import { spendReportSql, type SpendSqlRow } from "./spend-query";
import { planSpendQuery } from "./spend-plan";
import { validateRange, type SpendRange } from "./spend-range";

// Net spend (charges less refunds) in [from, to), grouped by any subset of the dimensions. Totals equal the sum of
// -amount over the CHARGE and REFUND ledger entries of the range; grouped by TAG, a generation with several tags
// counts toward each, so the rows then add up to more than the spend. With no dimension, the report has exactly one row:
// the total (zeros when nothing was spent).

/**
 * Beyond this many rows a report is an export: GET /reports/spend.csv streams any number. The bound is on rows, not
 * on the range: a year grouped by DAY is 365 rows per group of the other dimensions, thirty years ~11,000.
 */
export const MAX_REPORT_ROWS = 50_000;

export interface SpendReportInput extends SpendRange {
  groupBy: readonly SpendDimension[];
}

/** One group. A dimension's key is present only when the report is grouped by it. */
export interface SpendRow {
  userId?: string;
  /** null: spent while in no team. */
  teamId?: string | null;
  /** null: a generation recorded before API keys were. */
  apiKeyId?: string | null;
  model?: ImageModel;
  size?: ImageSize;
  quality?: ImageQuality;
  /** null: untagged spend. A generation with several tags counts toward each. */
  tag?: string | null;
  /** The local day's first instant in the report's time zone. */
  day?: Date;
  requests: number;
  images: number;
  costMicros: bigint;
}

export interface SpendReport {
  from: Date;
  to: Date;
  totalMicros: bigint;
  requests: number;
  images: number;
  rows: SpendRow[];
}

export interface PreparedSpendReport {
  groupBy: SpendDimension[];
  query: Parameters<typeof spendReportSql>[0];
}

/** Validates the input and plans the statement; throws BAD_USER_INPUT naming the field. */
export function prepareSpendReport(input: SpendReportInput, options: { limit?: number; withNames?: boolean } = {}) {
  validateRange(input);
  const groupBy = normalizeGroupBy(input.groupBy);
  return {
    groupBy,
    query: { groupBy, ...planSpendQuery(groupBy, input), timeZone: input.timeZone, ...options },
  } satisfies PreparedSpendReport;
}

export async function spendReport(
  db: Db,
  input: SpendReportInput,
  options: { maxRows?: number } = {},
): Promise<SpendReport> {
  const maxRows = options.maxRows ?? MAX_REPORT_ROWS;
  const { groupBy, query } = prepareSpendReport(input, { limit: maxRows + 1 });
  // Grouped by TAG, a generation counts once per tag: the total is then asked for on its own, at the same time.
  const [sqlRows, tagTotals] = await Promise.all([
    db.$queryRaw<SpendSqlRow[]>(spendReportSql(query)),
    groupBy.includes("TAG") ? totalOf(db, input) : undefined,
  ]);
  const rows = sqlRows.map(toSpendRow);
  if (rows.length > maxRows) {
    throw badInput(
      "groupBy",
      `the report has more than ${maxRows.toLocaleString("en-US")} rows: narrow the range, group by fewer ` +
        "dimensions (DAY gives a row per day for each of the others' groups), or export it as CSV " +
        "(GET /reports/spend.csv, any number of rows)",
    );
  }
  const totals = tagTotals ?? totalsOf(rows);
  return { from: input.from, to: input.to, ...totals, rows };
}

export function toSpendRow(row: SpendSqlRow): SpendRow {
  const out: SpendRow = { requests: Number(row.requests), images: Number(row.images), costMicros: row.cost_micros };
  if (row.user_id !== undefined) out.userId = row.user_id;
  if (row.team_id !== undefined) out.teamId = row.team_id;
  if (row.api_key_id !== undefined) out.apiKeyId = row.api_key_id;
  if (row.tag !== undefined) out.tag = row.tag;
  if (row.model !== undefined) out.model = row.model as ImageModel;
  if (row.size !== undefined) out.size = row.size as ImageSize;
  if (row.quality !== undefined) out.quality = row.quality as ImageQuality;
  if (row.day !== undefined) out.day = row.day;
  return out;
}

async function totalOf(db: Db, input: SpendReportInput) {
  const { query } = prepareSpendReport({ ...input, groupBy: [] });
  return totalsOf((await db.$queryRaw<SpendSqlRow[]>(spendReportSql(query))).map(toSpendRow));
}

function totalsOf(rows: SpendRow[]) {
  let totalMicros = 0n;
  let requests = 0;
  let images = 0;
  for (const row of rows) {
    totalMicros += row.costMicros;
    requests += row.requests;
    images += row.images;
  }
  return { totalMicros, requests, images };
}
