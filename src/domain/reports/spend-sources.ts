import type { SpendDimension } from "./spend-dimension";
import type { RangeSplit } from "./spend-range";

// Which aggregate serves which whole days. All three hold the same money (the rollups are kept from spend_daily
// by a trigger, in the same transaction); they differ in grain, so a report reads the smallest that has its
// dimensions:
//   spend_daily_shards  day x 16 user shards x model      DAY, MODEL             ~80 rows a day
//   spend_monthly       month x user x team x model        USER, TEAM, MODEL      ~1/30 of spend_daily over months
//   spend_daily         day x user x team x model x size x quality: everything else, and the days at month edges

export type SpendSource = "daily" | "monthly" | "shards";

/** Whole local days [first, end), YYYY-MM-DD, read from one aggregate. */
export interface SpendSegment {
  source: SpendSource;
  first: string;
  end: string;
}

const SOURCE_DIMENSIONS: Record<Exclude<SpendSource, "daily">, readonly SpendDimension[]> = {
  shards: ["DAY", "MODEL"],
  monthly: ["USER", "TEAM", "MODEL"],
};

const covers = (source: Exclude<SpendSource, "daily">, groupBy: readonly SpendDimension[]) =>
  groupBy.every((dimension) => SOURCE_DIMENSIONS[source].includes(dimension));

export function planSegments(groupBy: readonly SpendDimension[], days: RangeSplit["days"]): SpendSegment[] {
  if (days === null) return [];
  if (covers("shards", groupBy)) return [{ source: "shards", ...days }];
  const firstMonth = days.first.endsWith("-01") ? days.first : nextMonth(days.first);
  const endMonth = `${days.end.slice(0, 8)}01`;
  if (!covers("monthly", groupBy) || firstMonth >= endMonth) return [{ source: "daily", ...days }];
  const segments: SpendSegment[] = [{ source: "monthly", first: firstMonth, end: endMonth }];
  if (days.first < firstMonth) segments.unshift({ source: "daily", first: days.first, end: firstMonth });
  if (endMonth < days.end) segments.push({ source: "daily", first: endMonth, end: days.end });
  return segments;
}

/** The first day of the month after the one `day` (YYYY-MM-DD) is in. */
function nextMonth(day: string): string {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  return `${String(next.year).padStart(4, "0")}-${String(next.month).padStart(2, "0")}-01`;
}
