import type { Request, Response } from "express";
import { DateTimeResolver } from "graphql-scalars";
import { canReadOthers } from "../domain/accounts/principal";
import { badInput, DomainError, roleRequired } from "../domain/errors";
import { describeError } from "../domain/logger";
import { formatMoney } from "../domain/money";
import { isSpendDimension, type SpendDimension } from "../domain/reports/spend-dimension";
import { planSpendExport, type SpendExport, type SpendExportRow } from "../domain/reports/spend-export";
import type { Services } from "../graphql/context";
import { bearerSecret } from "./bearer";
import { loggerOf, recordOf } from "./request-log";

// GET /reports/spend.csv?from=&to=&groupBy=USER,MODEL: the spendReport query as CSV, for FINANCE and ADMIN keys.
// Parameters are checked before anything is sent (400 with a JSON error naming the field); then rows are written
// a batch at a time as the database cursor yields them, waiting for the socket to drain.

const STATUS_OF = { UNAUTHENTICATED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400, RATE_LIMITED: 429 } as const;

/** An export holds a pooled connection while its client reads: a few at a time, so generations never wait. */
const MAX_EXPORTS_IN_FLIGHT = 2;
const RETRY_AFTER_SECONDS = 5;

export function spendCsv(services: Services) {
  let exportsInFlight = 0;
  return async (req: Request, res: Response): Promise<void> => {
    let plan: SpendExport;
    try {
      await authorize(services, req);
      plan = planSpendExport({ ...parseQuery(req.query), timeZone: services.timeZone });
      if (exportsInFlight >= MAX_EXPORTS_IN_FLIGHT) {
        throw new DomainError("RATE_LIMITED", "Other spend exports are running; retry shortly", {
          retryAfterSeconds: RETRY_AFTER_SECONDS,
        });
      }
    } catch (error) {
      const status = error instanceof DomainError ? STATUS_OF[error.code as keyof typeof STATUS_OF] : undefined;
      if (status === undefined || !(error instanceof DomainError)) throw error;
      if (status === 401) res.setHeader("WWW-Authenticate", "Bearer");
      if (status === 429) res.setHeader("Retry-After", String(RETRY_AFTER_SECONDS));
      res.status(status).json({ error: { code: error.code, message: error.message, ...error.details } });
      return;
    }
    exportsInFlight++;
    try {
      await stream(services, plan, req, res);
    } finally {
      exportsInFlight--;
    }
  };
}

async function authorize(services: Services, req: Request): Promise<void> {
  const secret = bearerSecret(req.headers.authorization);
  const principal = secret === null ? null : await services.authenticator.authenticate(secret);
  if (principal === null) throw new DomainError("UNAUTHENTICATED", "A valid API key is required");
  const record = recordOf(req);
  if (record !== undefined) record.principalId = principal.userId;
  if (!canReadOthers(principal)) throw roleRequired(["FINANCE", "ADMIN"], "A spend report");
}

function parseQuery(query: Request["query"]): { from: Date; to: Date; groupBy: SpendDimension[] } {
  const groupBy = single(query, "groupBy") ?? "";
  const dimensions = groupBy
    .split(",")
    .map((part) => part.trim().toUpperCase())
    .filter((part) => part !== "");
  const unknown = dimensions.find((dimension) => !isSpendDimension(dimension));
  if (unknown !== undefined) throw badInput("groupBy", `unknown dimension ${JSON.stringify(unknown)}`);
  return { from: dateTime(query, "from"), to: dateTime(query, "to"), groupBy: dimensions as SpendDimension[] };
}

function single(query: Request["query"], name: string): string | undefined {
  const value = query[name];
  if (value === undefined || typeof value === "string") return value;
  throw badInput(name, `${name} must be given once`);
}

/** The same parsing as the GraphQL DateTime arguments of spendReport. */
function dateTime(query: Request["query"], name: string): Date {
  const value = single(query, name);
  if (value === undefined || value === "") throw badInput(name, `${name} is required (an ISO 8601 date-time)`);
  try {
    return DateTimeResolver.parseValue(value) as Date;
  } catch {
    throw badInput(name, `${name} must be an ISO 8601 date-time with an offset, e.g. 2025-01-01T00:00:00Z`);
  }
}

async function stream(services: Services, plan: SpendExport, req: Request, res: Response): Promise<void> {
  const columns = columnsOf(plan.groupBy);
  res.status(200);
  res.setHeader("Content-Type", "text/csv; charset=utf-8");
  res.setHeader("Content-Disposition", 'attachment; filename="spend.csv"');
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.write(`${columns.map((column) => column.header).join(",")}\r\n`);
  try {
    await plan.run(services.db, async (rows) => {
      if (res.destroyed) throw new ClientGone();
      const chunk = rows.map((row) => `${columns.map((column) => csvField(column.value(row))).join(",")}\r\n`);
      if (!res.write(chunk.join(""))) await drained(res);
    });
    res.end();
  } catch (error) {
    // Headers are gone: the only honest signal left is a truncated response.
    if (!(error instanceof ClientGone)) {
      loggerOf(req, services.logger).error({ cause: describeError(error) }, "spend CSV failed");
    }
    res.destroy();
  }
}

class ClientGone extends Error {}

/** Resolves when the socket takes more, or is gone; leaves no listener behind. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

interface Column {
  header: string;
  value(row: SpendExportRow): string;
}

const text = (value: string | null | undefined) => value ?? "";

const DIMENSION_COLUMNS: Record<SpendDimension, Column[]> = {
  USER: [
    { header: "user_id", value: (row) => text(row.userId) },
    { header: "user_email", value: (row) => text(row.email) },
  ],
  TEAM: [
    { header: "team_id", value: (row) => text(row.teamId) },
    { header: "team_name", value: (row) => text(row.teamName) },
  ],
  API_KEY: [
    { header: "api_key_id", value: (row) => text(row.apiKeyId) },
    { header: "api_key_name", value: (row) => text(row.apiKeyName) },
  ],
  MODEL: [{ header: "model", value: (row) => text(row.model) }],
  SIZE: [{ header: "size", value: (row) => text(row.size) }],
  QUALITY: [{ header: "quality", value: (row) => text(row.quality) }],
  // Empty: untagged spend.
  TAG: [{ header: "tag", value: (row) => text(row.tag) }],
  DAY: [{ header: "day", value: (row) => row.day?.toISOString() ?? "" }],
};

const TOTAL_COLUMNS: Column[] = [
  { header: "requests", value: (row) => String(row.requests) },
  { header: "images", value: (row) => String(row.images) },
  { header: "cost_usd", value: (row) => formatMoney(row.costMicros) },
];

export function columnsOf(groupBy: readonly SpendDimension[]): Column[] {
  return [...groupBy.flatMap((dimension) => DIMENSION_COLUMNS[dimension]), ...TOTAL_COLUMNS];
}

/** RFC 4180 quoting; a text cell that a spreadsheet would run as a formula gets a leading apostrophe. */
function csvField(value: string): string {
  const safe = /^[=+@\t\r]/.test(value) || (/^-/.test(value) && !/^-\d+(\.\d+)?$/.test(value)) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
