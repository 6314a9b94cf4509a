const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;
const HAS_TIME = /[T ]\d{2}:\d{2}/i;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** Days in a month of the proleptic Gregorian calendar (month 1-12). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Epoch milliseconds of an ISO-8601 event time, or NaN. A date-time without a zone is read as
 * UTC, so the result never depends on the server's time zone. A calendar date that does not
 * exist (2026-02-30, 2026-04-31) is NaN: `Date.parse` would silently roll it into the next month.
 */
export function parseEventTime(timestamp: string): number {
  const date = CALENDAR_DATE.exec(timestamp);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  }
  const zoned = HAS_TIME.test(timestamp) && !HAS_ZONE.test(timestamp) ? `${timestamp}Z` : timestamp;
  return Date.parse(zoned);
}

/** The event time as `Date.prototype.toISOString()` renders it, for CRM bodies. */
export function normaliseEventTime(timestamp: string): string {
  return new Date(parseEventTime(timestamp)).toISOString();
}
