/** A warning about a development stand-in, logged once the application's logger is in place. */
export interface DevNotice {
  context: string;
  message: string;
}
