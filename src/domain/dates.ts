import { badInput } from "./errors";

// Instants with four-digit years from the Unix epoch on: what ISO 8601, our SQL calendar dates and Prisma all
// handle. The last day of 9999 is left out so that no time zone's local date reaches year 10000.
export const EARLIEST_DATE_MS = Date.UTC(1970, 0, 1);
export const LATEST_DATE_MS = Date.UTC(9999, 11, 31);

export const isSupportedDate = (at: Date): boolean =>
  at.getTime() >= EARLIEST_DATE_MS && at.getTime() <= LATEST_DATE_MS;

/** BAD_USER_INPUT naming `field` when `at` is outside the years 1970 to 9999 (or not a date at all). */
export function checkDate(field: string, at: Date): void {
  if (!isSupportedDate(at)) throw badInput(field, `${field} must be a date-time from 1970 to 9999`);
}
