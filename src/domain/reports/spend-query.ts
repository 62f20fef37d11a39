import { Prisma, type SpendGrain } from "../../generated/prisma/client";
import { NO_TEAM } from "../ledger/holds";
import type { SpendDimension } from "./spend-dimension";
import type { SpendSegment, SpendSource } from "./spend-sources";
import type { RangeSplit } from "./spend-range";

// One set-based statement per report: whole days from the daily aggregates (spend-sources.ts), whole minutes from
// the running totals (two probes per spend key: the totals before the end less those before the start), and the
// rest from the ledger (CHARGE: one request, n images, -amount; REFUND: -amount only), unioned, then grouped by the
// chosen dimensions (spend-plan.ts decides which part reads what). Every identifier below is a constant of this
// file; values are bind parameters.

const NO_TEAM_SQL = Prisma.raw(`'${NO_TEAM}'::uuid`);

interface DimensionSql {
  /**
   * The column in the unioned rows (`s`), and its expressions in the aggregate (`d`), running-total (`k`, a spend
   * key; `t`, its tags) and ledger (`l`, `g`; `t`, the generation's tags) branches. API_KEY and TAG have no daily
   * aggregate: spend-plan.ts never reads one for them.
   */
  key: Prisma.Sql;
  aggregate: Prisma.Sql | null;
  running: Prisma.Sql;
  ledger: (timeZone: string) => Prisma.Sql;
  output: (timeZone: string) => Prisma.Sql;
  /** Output column to order by, after the cost. */
  orderBy: Prisma.Sql;
}

const raw = (sql: string) => () => Prisma.raw(sql);

const DIMENSIONS: Record<SpendDimension, DimensionSql> = {
  USER: {
    key: Prisma.raw("user_id"),
    aggregate: Prisma.raw("d.user_id"),
    running: Prisma.raw("k.user_key"),
    ledger: raw("l.user_id"),
    output: raw("s.user_id::text AS user_id"),
    orderBy: Prisma.raw("user_id"),
  },
  TEAM: {
    key: Prisma.raw("team_key"),
    aggregate: Prisma.raw("d.team_key"),
    running: Prisma.raw("k.team_key"),
    ledger: () => Prisma.sql`COALESCE(g.team_id, ${NO_TEAM_SQL})`,
    output: () => Prisma.sql`NULLIF(s.team_key, ${NO_TEAM_SQL})::text AS team_id`,
    orderBy: Prisma.raw("team_id"),
  },
  API_KEY: {
    key: Prisma.raw("api_key_key"),
    aggregate: null,
    running: Prisma.raw("k.api_key_key"),
    ledger: () => Prisma.sql`COALESCE(g.api_key_id, ${NO_TEAM_SQL})`,
    output: () => Prisma.sql`NULLIF(s.api_key_key, ${NO_TEAM_SQL})::text AS api_key_id`,
    orderBy: Prisma.raw("api_key_id"),
  },
  MODEL: {
    key: Prisma.raw("model"),
    aggregate: Prisma.raw("d.model"),
    running: Prisma.raw("k.model"),
    ledger: raw("g.model"),
    output: raw("s.model::text AS model"),
    orderBy: Prisma.raw("s.model"),
  },
  SIZE: {
    key: Prisma.raw("size"),
    aggregate: Prisma.raw("d.size"),
    running: Prisma.raw('NULL::"ImageSize"'),
    ledger: raw("g.size"),
    output: raw("s.size::text AS size"),
    orderBy: Prisma.raw("s.size"),
  },
  QUALITY: {
    key: Prisma.raw("quality"),
    aggregate: Prisma.raw("d.quality"),
    running: Prisma.raw('NULL::"ImageQuality"'),
    ledger: raw("g.quality"),
    output: raw("s.quality::text AS quality"),
    orderBy: Prisma.raw("s.quality"),
  },
  TAG: {
    key: Prisma.raw("tag"),
    aggregate: null,
    running: Prisma.raw("t.tag"),
    ledger: raw("t.tag"),
    output: raw("s.tag AS tag"),
    orderBy: Prisma.raw("s.tag"),
  },
  DAY: {
    key: Prisma.raw("day"),
    aggregate: Prisma.raw("d.day"),
    // Running parts never span a local midnight (spend-plan.ts): each names its day.
    running: Prisma.raw("p.day"),
    // The same expression the settle and refund paths use to pick a charge's day.
    ledger: (timeZone) => Prisma.sql`(l.created_at AT TIME ZONE ${timeZone}::text)::date`,
    output: (timeZone) => Prisma.sql`(s.day::timestamp AT TIME ZONE ${timeZone}::text) AS day`,
    orderBy: Prisma.raw("s.day"),
  },
};

const SOURCES: Record<SpendSource, { table: Prisma.Sql; time: Prisma.Sql }> = {
  daily: { table: Prisma.raw("spend_daily"), time: Prisma.raw("d.day") },
  monthly: { table: Prisma.raw("spend_monthly"), time: Prisma.raw("d.month") },
  shards: { table: Prisma.raw("spend_daily_shards"), time: Prisma.raw("d.day") },
};

export interface SpendQuery {
  groupBy: readonly SpendDimension[];
  /** Whole days, each range from the aggregate that has the grouping's dimensions (planSegments). */
  segments: SpendSegment[];
  /** Whole UTC minutes, from the running totals; `day` (YYYY-MM-DD) when grouped by DAY. */
  running: RunningPart[];
  /** The running totals' grain to read them from (spend-grains.ts); null when there are none to read. */
  grain: SpendGrain | null;
  /** The rest, from the ledger. */
  edges: RangeSplit["edges"];
  timeZone: string;
  /**
   * Adds `email` next to `user_id`, `team_name` next to `team_id` and `api_key_name` next to `api_key_id` (for the
   * CSV): an index probe per row.
   */
  withNames?: boolean;
  /** At most this many rows (a LIMIT); none when undefined. */
  limit?: number;
}

/** [from, to) on whole UTC minutes, read as the running totals before `to` less those before `from`. */
export interface RunningPart {
  from: Date;
  to: Date;
  day?: string;
}

export interface SpendSqlRow {
  user_id?: string;
  api_key_id?: string | null;
  tag?: string | null;
  email?: string | null;
  team_name?: string | null;
  api_key_name?: string | null;
  team_id?: string | null;
  model?: string;
  size?: string;
  quality?: string;
  day?: Date;
  requests: bigint;
  images: bigint;
  cost_micros: bigint;
}

export function spendReportSql(query: SpendQuery): Prisma.Sql {
  const { groupBy, timeZone } = query;
  const dims = groupBy.map((dimension) => DIMENSIONS[dimension]);
  const outputs = dims.map((dim) => dim.output(timeZone));
  if (query.withNames === true && groupBy.includes("USER")) {
    outputs.push(Prisma.raw("(SELECT u.email FROM users u WHERE u.id = s.user_id) AS email"));
  }
  if (query.withNames === true && groupBy.includes("TEAM")) {
    outputs.push(Prisma.raw("(SELECT t.name FROM teams t WHERE t.id = s.team_key) AS team_name"));
  }
  if (query.withNames === true && groupBy.includes("API_KEY")) {
    outputs.push(Prisma.raw("(SELECT k.name FROM api_keys k WHERE k.id = s.api_key_key) AS api_key_name"));
  }
  const groupClause = dims.length === 0 ? Prisma.empty : Prisma.sql`GROUP BY ${Prisma.join(dims.map((d) => d.key))}`;
  const byCost = Prisma.raw("cost_micros DESC");
  const order = groupBy.includes("DAY")
    ? [DIMENSIONS.DAY.orderBy, byCost, ...dims.filter((d) => d !== DIMENSIONS.DAY).map((d) => d.orderBy)]
    : [byCost, ...dims.map((d) => d.orderBy)];
  const limit = query.limit === undefined ? Prisma.empty : Prisma.sql`LIMIT ${query.limit}`;
  return Prisma.sql`
    SELECT ${Prisma.join([...outputs, TOTALS], ", ")}
      FROM (${sourceRows(query, dims)}) s
     ${groupClause}
     ORDER BY ${Prisma.join(order, ", ")}
     ${limit}`;
}

const TOTALS = Prisma.raw(
  "COALESCE(SUM(s.requests), 0)::int8 AS requests, COALESCE(SUM(s.images), 0)::int8 AS images, " +
    "COALESCE(SUM(s.cost_micros), 0)::int8 AS cost_micros",
);

/** The rows to group: only the columns the grouping needs, so each branch stays narrow. */
function sourceRows(query: SpendQuery, dims: DimensionSql[]): Prisma.Sql {
  const branches = query.segments.map((segment) => segmentRows(segment, dims));
  if (query.running.length > 0) branches.push(runningRows(query, dims));
  if (query.edges.length > 0) branches.push(ledgerRows(query, dims));
  return Prisma.join(branches, " UNION ALL ");
}

function segmentRows(segment: SpendSegment, dims: DimensionSql[]): Prisma.Sql {
  const { table, time } = SOURCES[segment.source];
  const columns = [
    ...dims.map((d) => {
      if (d.aggregate === null) throw new Error("spend-plan.ts planned an aggregate for a dimension it lacks");
      return Prisma.sql`${d.aggregate} AS ${d.key}`;
    }),
    Prisma.raw("d.requests, d.images, d.cost_micros"),
  ];
  return Prisma.sql`
      SELECT ${Prisma.join(columns, ", ")}
        FROM ${table} d
       WHERE ${time} >= ${segment.first}::date AND ${time} < ${segment.end}::date`;
}

function ledgerRows(query: SpendQuery, dims: DimensionSql[]): Prisma.Sql {
  const columns = [
    ...dims.map((d) => Prisma.sql`${d.ledger(query.timeZone)} AS ${d.key}`),
    Prisma.raw(
      "CASE WHEN l.kind = 'CHARGE' THEN 1 ELSE 0 END AS requests, " +
        "CASE WHEN l.kind = 'CHARGE' THEN g.n ELSE 0 END AS images, -l.amount_micros AS cost_micros",
    ),
  ];
  const during = query.edges.map((edge) => Prisma.sql`(l.created_at >= ${edge.from} AND l.created_at < ${edge.to})`);
  const tags = query.groupBy.includes("TAG")
    ? Prisma.raw(
        "CROSS JOIN LATERAL unnest(CASE WHEN cardinality(g.tags) > 0 THEN g.tags ELSE ARRAY[NULL::text] END) AS t(tag)",
      )
    : Prisma.empty;
  return Prisma.sql`
      SELECT ${Prisma.join(columns, ", ")}
        FROM ledger_entries l JOIN image_generations g ON g.id = l.generation_id ${tags}
       WHERE l.kind IN ('CHARGE', 'REFUND') AND (${Prisma.join(during, " OR ")})`;
}

/**
 * Each part's spend per key of `grain`: the key's last running totals before `to` less its last before `from`, two
 * index probes (spend_running's primary key). Keys with nothing in the part are left out, as the other branches would.
 */
function runningRows(query: SpendQuery, dims: DimensionSql[]): Prisma.Sql {
  const { grain } = query;
  if (grain === null) throw new Error("spend-plan.ts planned running totals for a grouping no grain has");
  const columns = [
    ...dims.map((d) => Prisma.sql`${d.running} AS ${d.key}`),
    Prisma.raw(
      "hi.requests - COALESCE(lo.requests, 0) AS requests, hi.images - COALESCE(lo.images, 0) AS images, " +
        "hi.cost_micros - COALESCE(lo.cost_micros, 0) AS cost_micros",
    ),
  ];
  const parts = Prisma.join(
    query.running.map(
      (part) => Prisma.sql`(${part.from}::timestamptz, ${part.to}::timestamptz, ${part.day ?? null}::date)`,
    ),
    ", ",
  );
  const tags = query.groupBy.includes("TAG")
    ? Prisma.raw(
        "CROSS JOIN LATERAL unnest(CASE WHEN k.tag_set <> '' THEN string_to_array(k.tag_set, chr(31)) " +
          "ELSE ARRAY[NULL::text] END) AS t(tag)",
      )
    : Prisma.empty;
  return Prisma.sql`
      SELECT ${Prisma.join(columns, ", ")}
        FROM (VALUES ${parts}) AS p(from_at, to_at, day)
       JOIN spend_running_keys k ON k.grain = ${grain}::"SpendGrain"
       CROSS JOIN LATERAL (SELECT r.requests, r.images, r.cost_micros FROM spend_running r
                            WHERE r.key_id = k.id AND r.minute < p.to_at ORDER BY r.minute DESC LIMIT 1) hi
        LEFT JOIN LATERAL (SELECT r.requests, r.images, r.cost_micros FROM spend_running r
                            WHERE r.key_id = k.id AND r.minute < p.from_at ORDER BY r.minute DESC LIMIT 1) lo ON true
       ${tags}
       WHERE (hi.requests, hi.cost_micros) IS DISTINCT FROM (lo.requests, lo.cost_micros)`;
}
