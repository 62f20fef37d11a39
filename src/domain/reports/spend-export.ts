import { Prisma } from "../../generated/prisma/client";
import type { Db } from "../db";
import { spendReportSql, type SpendSqlRow } from "./spend-query";
import { prepareSpendReport, toSpendRow, type SpendReportInput, type SpendRow } from "./spend-report";
import type { SpendDimension } from "./spend-dimension";

// The same report as spendReport, read through a server-side cursor a batch at a time, so an export of any size
// holds one batch in memory. Each batch is handed over (and awaited: backpressure) before the next is fetched.

const DEFAULT_BATCH_ROWS = 1_000;
/** An export holds a connection and a snapshot; a client that stops reading must not hold them for ever. */
const EXPORT_TIMEOUT_MS = 10 * 60_000;

export interface SpendExportRow extends SpendRow {
  /** Next to userId when grouped by USER. */
  email?: string | null;
  /** Next to teamId when grouped by TEAM. */
  teamName?: string | null;
  /** Next to apiKeyId when grouped by API_KEY (never the key's secret). */
  apiKeyName?: string | null;
}

export interface SpendExport {
  groupBy: SpendDimension[];
  /** Runs the query; resolves once every batch has been handed to `onBatch`. */
  run(db: Db, onBatch: (rows: SpendExportRow[]) => Promise<void>): Promise<void>;
}

/** Validates now (throws BAD_USER_INPUT naming the field), so a caller can answer 400 before streaming anything. */
export function planSpendExport(input: SpendReportInput, batchRows = DEFAULT_BATCH_ROWS): SpendExport {
  const { groupBy, query } = prepareSpendReport(input, { withNames: true });
  // FETCH takes no bind parameter; the count is our own integer.
  const fetchCount = Prisma.raw(String(Math.max(1, Math.trunc(batchRows))));
  return {
    groupBy,
    run: (db, onBatch) =>
      db.$transaction(
        async (tx) => {
          await tx.$executeRaw`DECLARE spend_export NO SCROLL CURSOR FOR ${spendReportSql(query)}`;
          for (;;) {
            const rows = await tx.$queryRaw<SpendSqlRow[]>`FETCH ${fetchCount} FROM spend_export`;
            if (rows.length === 0) return;
            await onBatch(rows.map(toExportRow));
            if (rows.length < batchRows) return;
          }
        },
        { timeout: EXPORT_TIMEOUT_MS },
      ),
  };
}

function toExportRow(row: SpendSqlRow): SpendExportRow {
  const out: SpendExportRow = toSpendRow(row);
  if (row.email !== undefined) out.email = row.email;
  if (row.team_name !== undefined) out.teamName = row.team_name;
  if (row.api_key_name !== undefined) out.apiKeyName = row.api_key_name;
  return out;
}
