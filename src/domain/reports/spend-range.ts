import { TZDate } from "@date-fns/tz";
import { addDays, startOfDay } from "date-fns";
import { checkDate } from "../dates";
import { badInput } from "../errors";

// A report's [from, to) in the deployment's time zone, split into the whole local days inside it (read from the
// daily aggregates) and the partial days at its edges (read from the ledger), so any range is exact. Any range of
// supported dates is accepted ("all time" included): what a report reads and returns follows the spend inside it,
// not its length, and its rows are bounded (spend-report.ts).

export interface SpendRange {
  from: Date;
  to: Date;
  timeZone: string;
}

export interface RangeSplit {
  /** Whole local days [first, end) as YYYY-MM-DD, or null when the range holds no whole day. */
  days: { first: string; end: string } | null;
  /** The rest of [from, to): up to two intervals of instants, before and after the whole days. */
  edges: { from: Date; to: Date }[];
}

export function validateRange(range: SpendRange): void {
  for (const field of ["from", "to"] as const) checkDate(field, range[field]);
  if (range.to.getTime() <= range.from.getTime()) throw badInput("to", "to must be after from");
}

export function splitRange(range: SpendRange): RangeSplit {
  const { from, to, timeZone } = range;
  const fromDayStart = startOfDay(new TZDate(from.getTime(), timeZone));
  const firstStart = fromDayStart.getTime() === from.getTime() ? fromDayStart : addDays(fromDayStart, 1);
  const endStart = startOfDay(new TZDate(to.getTime(), timeZone));
  if (firstStart.getTime() >= endStart.getTime()) return { days: null, edges: [{ from, to }] };
  const edges: RangeSplit["edges"] = [];
  if (from.getTime() < firstStart.getTime()) edges.push({ from, to: new Date(firstStart.getTime()) });
  if (endStart.getTime() < to.getTime()) edges.push({ from: new Date(endStart.getTime()), to });
  return { days: { first: localDay(firstStart, timeZone), end: localDay(endStart, timeZone) }, edges };
}

/** The calendar date an instant falls on in `timeZone`, as YYYY-MM-DD: the `day` of spend_daily rows. */
export function localDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, part) => ({ ...acc, [part.type]: part.value }), {});
  return `${parts.year}-${parts.month}-${parts.day}`;
}
