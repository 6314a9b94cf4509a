const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;
const HAS_TIME = /T\d{2}:\d{2}/i;

/**
 * Epoch milliseconds of an ISO-8601 event time, or NaN. A date-time without a zone is read as
 * UTC, so the result never depends on the server's time zone.
 */
export function parseEventTime(timestamp: string): number {
  const zoned = HAS_TIME.test(timestamp) && !HAS_ZONE.test(timestamp) ? `${timestamp}Z` : timestamp;
  return Date.parse(zoned);
}

/** The event time as `Date.prototype.toISOString()` renders it, for CRM bodies. */
export function normaliseEventTime(timestamp: string): string {
  return new Date(parseEventTime(timestamp)).toISOString();
}
