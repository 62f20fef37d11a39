// A range of calendar days as the pickers show it (both ends inclusive), and as the API takes it: [from, to) in
// instants. Days are UTC days; a deployment whose TIME_ZONE is not UTC sees its day rows placed by their noon.

export interface DayRange {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  to: string;
}

const DAY_MS = 86_400_000;

export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function lastDays(count: number, now = new Date()): DayRange {
  return { from: isoDay(new Date(now.getTime() - (count - 1) * DAY_MS)), to: isoDay(now) };
}

/** The API's [from, to): from the first day's start to the day after the last. */
export function toInstants(range: DayRange): { from: string; to: string } {
  return { from: dayStart(range.from), to: dayEnd(range.to) };
}

/** The instant a day (YYYY-MM-DD) starts. */
export function dayStart(day: string): string {
  return `${day}T00:00:00Z`;
}

/** The instant after a day (YYYY-MM-DD), its end as the API's exclusive `to`; a malformed day is sent as typed. */
export function dayEnd(day: string): string {
  const start = Date.parse(dayStart(day));
  return Number.isNaN(start) ? dayStart(day) : new Date(start + DAY_MS).toISOString();
}

/** Each calendar day of the range, at most `limit` of them. */
export function daysOf(range: DayRange, limit = 3_700): string[] {
  const days: string[] = [];
  const last = Date.parse(dayStart(range.to));
  for (let at = Date.parse(dayStart(range.from)); at <= last && days.length < limit; at += DAY_MS) {
    days.push(isoDay(new Date(at)));
  }
  return days;
}

/** The calendar day a report row's day (its first instant in TIME_ZONE) belongs to: the date at its noon. */
export function dayOfRow(instant: string): string {
  return isoDay(new Date(Date.parse(instant) + DAY_MS / 2));
}
