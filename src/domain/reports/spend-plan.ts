import { TZDate } from "@date-fns/tz";
import { startOfDay } from "date-fns";
import type { SpendDimension } from "./spend-dimension";
import { runningGrain } from "./spend-grains";
import type { RunningPart, SpendQuery } from "./spend-query";
import { localDay, splitRange, type RangeSplit, type SpendRange } from "./spend-range";
import { planSegments } from "./spend-sources";

// Which part of a report's range is read from where, so that any range costs about what a calendar month does:
//   - a range of whole local days, without API_KEY or TAG: as below, from the daily aggregates, which serve whole
//     calendar months fastest;
//   - grouped by USER, TEAM, API_KEY, MODEL and TAG only (any subset, none included): the whole UTC minutes of the
//     range from the running totals (two index probes per key of the narrowest grain with the grouping,
//     spend-grains.ts, whatever the range's length), the partial minutes at its edges (under a minute each) from the
//     ledger;
//   - with DAY, SIZE or QUALITY: the whole local days from the daily aggregates (spend-sources.ts); the partial days
//     at the edges, when the grouping has no SIZE or QUALITY (which the running totals lack), as above, each edge
//     naming its day, otherwise from the ledger;
//   - API_KEY or TAG with DAY, SIZE or QUALITY: no aggregate has both, so the whole range is read from the ledger
//     (exact; it costs what the range's ledger rows cost).

// The running totals' bucket (migration spend_running_minutes).
const MINUTE_MS = 60_000;

type Plan = Pick<SpendQuery, "segments" | "running" | "edges" | "grain">;

export function planSpendQuery(groupBy: readonly SpendDimension[], range: SpendRange): Plan {
  const byDay = groupBy.includes("DAY");
  const grain = runningGrain(groupBy);
  const runnable = grain !== null;
  const byKeyOrTag = groupBy.includes("API_KEY") || groupBy.includes("TAG");
  const { days, edges } = splitRange(range);
  // Whole days (calendar months above all) are cheaper from the daily aggregates, when they have the dimensions.
  const wholeDays = edges.length === 0 && !byKeyOrTag;
  if (!byDay && runnable && !wholeDays) return { ...byMinutes([{ from: range.from, to: range.to }]), grain };
  if (byKeyOrTag) return { segments: [], running: [], edges: [{ from: range.from, to: range.to }], grain: null };
  const segments = planSegments(groupBy, days);
  if (!runnable) return { segments, running: [], edges, grain };
  const partialDays = days === null ? splitAtMidnight(edges[0]!, range.timeZone) : edges;
  return { ...byMinutes(partialDays, range.timeZone), segments, grain };
}

/** Each interval's whole UTC minutes as running parts (named by their local day with `timeZone`), the rest as edges. */
function byMinutes(intervals: RangeSplit["edges"], timeZone?: string): Omit<Plan, "grain"> {
  const running: RunningPart[] = [];
  const edges: RangeSplit["edges"] = [];
  for (const { from, to } of intervals) {
    const first = new Date(Math.ceil(from.getTime() / MINUTE_MS) * MINUTE_MS);
    const end = new Date(Math.floor(to.getTime() / MINUTE_MS) * MINUTE_MS);
    if (first.getTime() >= end.getTime()) {
      edges.push({ from, to });
      continue;
    }
    running.push(
      timeZone === undefined ? { from: first, to: end } : { from: first, to: end, day: localDay(from, timeZone) },
    );
    if (from.getTime() < first.getTime()) edges.push({ from, to: first });
    if (end.getTime() < to.getTime()) edges.push({ from: end, to });
  }
  return { segments: [], running, edges };
}

/** A range with no whole day in it spans at most two local days: split at the midnight between them. */
function splitAtMidnight(range: { from: Date; to: Date }, timeZone: string): RangeSplit["edges"] {
  const midnight = startOfDay(new TZDate(range.to.getTime(), timeZone)).getTime();
  if (midnight <= range.from.getTime()) return [range];
  return [
    { from: range.from, to: new Date(midnight) },
    { from: new Date(midnight), to: range.to },
  ];
}
