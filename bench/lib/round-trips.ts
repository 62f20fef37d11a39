import "reflect-metadata";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { startImagegate } from "../../src/app";
import { loadSettings } from "../../src/config";
import { createPrismaClient } from "../../src/db/client";
import { imagegateRequest, isGeneratedImage, sendOnce } from "./requests";

export interface RoundTripReport {
  calls: number;
  /** Round trips (pg queries) of each call, in order. */
  perCall: number[];
  /** The statements of the last call, in order, normalized. */
  sequence: string[];
  /** Each distinct statement and how many times it ran per call on average. */
  distinct: { statement: string; perCall: number }[];
}

/** Whitespace collapsed, at most `max` characters: what identifies a statement in the report. */
export function normalizeStatement(sql: string, max = 120): string {
  const flat = sql.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * imagegate in this process (src/app.ts, as the tests run it) on the bench database, its Prisma client counting every
 * pg query (src/db/client.ts `onQuery`): `calls` sequential generateImage requests over HTTP, after `warmup` uncounted.
 * Every query of the request counts: the API key lookup, the hold's transaction, the settle's, BEGIN and COMMIT.
 */
export async function countRoundTrips(args: {
  databaseUrl: string;
  openai: { apiKey: string; baseURL: string };
  apiKey: string;
  calls: number;
  warmup?: number;
}): Promise<RoundTripReport> {
  let counting = false;
  let queries: string[] = [];
  const db = createPrismaClient(args.databaseUrl, {
    onQuery: (sql) => {
      if (counting) queries.push(sql);
    },
  });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-bench-rt-"));
  const settings = loadSettings({
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: dataDir,
    DATABASE_URL: args.databaseUrl,
    OPENAI_API_KEY: args.openai.apiKey,
    OPENAI_BASE_URL: args.openai.baseURL,
    LOG_LEVEL: "warn",
    // No background sweep during the count.
    HOLD_SWEEP_INTERVAL_SECONDS: "3600",
  });
  const app = await startImagegate({ settings, db, databaseUrl: args.databaseUrl, logger: pino({ level: "warn" }) });
  try {
    const spec = imagegateRequest(app.url, [args.apiKey]);
    const perCall: number[] = [];
    const totals = new Map<string, number>();
    let sequence: string[] = [];
    for (let call = -(args.warmup ?? 3); call < args.calls; call++) {
      queries = [];
      counting = call >= 0;
      const { status, body } = await sendOnce(spec);
      counting = false;
      if (status !== 200 || !isGeneratedImage(body)) {
        throw new Error(`generateImage failed (${status}): ${body.slice(0, 500)}`);
      }
      if (call < 0) continue;
      perCall.push(queries.length);
      sequence = queries.map((sql) => normalizeStatement(sql));
      for (const statement of sequence) totals.set(statement, (totals.get(statement) ?? 0) + 1);
    }
    return {
      calls: args.calls,
      perCall,
      sequence,
      distinct: [...totals].map(([statement, count]) => ({ statement, perCall: count / args.calls })),
    };
  } finally {
    await app.close();
    await db.$disconnect();
    await rm(dataDir, { recursive: true, force: true });
  }
}
