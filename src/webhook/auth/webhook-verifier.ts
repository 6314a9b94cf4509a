import { SourceAuth } from '../../config/routing.config';
import { WebhookAuthMode } from '../request/webhook-auth-mode';
import { WebhookAuthentication, WebhookRequest } from '../request/webhook-request';

/** One authentication mode, checked with the secrets of the request's source; returns null when the request does not satisfy it. */
export abstract class WebhookVerifier {
  abstract readonly mode: WebhookAuthMode;
  /** Decides from the headers alone (no signature over the body). */
  abstract readonly headersOnly: boolean;
  abstract verify(req: WebhookRequest, nowSeconds: number, auth: SourceAuth): WebhookAuthentication | null;
}

export function withinTolerance(timestamp: string | undefined, now: number, tolerance: number): boolean {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(now - Number(timestamp)) <= tolerance;
}
