/**
 * A warning logged once the application's logger is in place: a development stand-in, or a
 * production exception the configuration allowed (an http:// CRM URL).
 */
export interface DevNotice {
  context: string;
  message: string;
}
