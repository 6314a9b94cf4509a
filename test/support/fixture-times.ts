/**
 * The fixtures carry fixed event times (the documented sample's 2026-11-26T10:00:00Z): with the
 * default record-state window (RECORD_STATE_TTL_SECONDS, 30 days) they would be refused as too old
 * a month after that date. Test apps and services get this window instead (100 years); a test of
 * the window sets RECORD_STATE_TTL_SECONDS itself.
 */
export const FIXTURE_RECORD_STATE_TTL = String(100 * 365 * 86_400);
