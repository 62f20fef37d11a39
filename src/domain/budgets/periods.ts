import { TZDate } from "@date-fns/tz";
import { addDays, addMonths, addWeeks, startOfDay, startOfISOWeek, startOfMonth } from "date-fns";

export const BudgetPeriod = { DAILY: "DAILY", WEEKLY: "WEEKLY", MONTHLY: "MONTHLY", TOTAL: "TOTAL" } as const;
export type BudgetPeriod = (typeof BudgetPeriod)[keyof typeof BudgetPeriod];

/** A budget period's calendar window in the deployment's time zone: [start, end); TOTAL has no end. */
export interface PeriodWindow {
  start: Date;
  end: Date | null;
}

// Calendar periods: days from midnight, ISO weeks from Monday, months from the 1st, all in `timeZone`,
// so a budget in Europe/Berlin resets at Berlin's midnight, daylight saving included.
export function periodWindow(period: BudgetPeriod, at: Date, timeZone: string): PeriodWindow {
  const zoned = new TZDate(at.getTime(), timeZone);
  switch (period) {
    case "DAILY": {
      const start = startOfDay(zoned);
      return { start: new Date(start.getTime()), end: new Date(addDays(start, 1).getTime()) };
    }
    case "WEEKLY": {
      const start = startOfISOWeek(zoned);
      return { start: new Date(start.getTime()), end: new Date(addWeeks(start, 1).getTime()) };
    }
    case "MONTHLY": {
      const start = startOfMonth(zoned);
      return { start: new Date(start.getTime()), end: new Date(addMonths(start, 1).getTime()) };
    }
    case "TOTAL":
      return { start: new Date(0), end: null };
  }
}

// Building an Intl.DateTimeFormat costs ~150 µs, formatting with one ~2 µs: keep one per zone (a handful at most).
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date (YYYY-MM-DD in `timeZone`) an instant falls on: the `day` of spend_daily rows. */
export function localDay(at: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timeZone, format);
  }
  return format.format(at);
}
