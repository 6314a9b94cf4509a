import { Injectable } from '@nestjs/common';
import { WebhookUnauthorizedError } from '../request/webhook-errors';
import { WebhookRequest } from '../request/webhook-request';
import { WebhookSources } from '../request/webhook-sources';
import { ApiKeyVerifier } from './api-key.verifier';
import { BasicVerifier } from './basic.verifier';
import { HmacVerifier } from './hmac.verifier';
import { StandardWebhooksVerifier } from './standard-webhooks.verifier';
import { WebhookVerifier } from './webhook-verifier';

/**
 * Which of its source's auth modes accepts a request (WEBHOOK_AUTH_MODES, or the source's `auth` in
 * ROUTES_FILE), checked with that source's secrets only: a sender of another source is refused.
 * Never says why none did.
 */
@Injectable()
export class WebhookAuthenticator {
  /** Each source's verifiers, by source name. */
  private readonly verifiers = new Map<string, WebhookVerifier[]>();
  /** The sources whose every mode decides from the headers alone (no signature over the body). */
  private readonly headersOnly = new Set<string>();

  constructor(
    sources: WebhookSources,
    hmac: HmacVerifier,
    basic: BasicVerifier,
    apiKey: ApiKeyVerifier,
    standard: StandardWebhooksVerifier,
  ) {
    for (const { name, auth } of sources.all) {
      // Standard Webhooks first: when it accepts, its `webhook-id` is the event id.
      const verifiers = [standard, hmac, basic, apiKey].filter((v) => auth.authModes.includes(v.mode));
      this.verifiers.set(name, verifiers);
      if (verifiers.every((v) => v.headersOnly)) this.headersOnly.add(name);
    }
  }

  /** Whether every mode of the request's source decides from the headers alone. */
  decidesFromHeaders(req: WebhookRequest): boolean {
    return this.headersOnly.has(req.webhookSource.name);
  }

  /** Sets `req.webhookAuth` from the first mode of its source that accepts the request; else Unauthorized. */
  authenticate(req: WebhookRequest): void {
    const now = Math.floor(Date.now() / 1000);
    const { name, auth } = req.webhookSource;
    for (const verifier of this.verifiers.get(name) ?? []) {
      const verdict = verifier.verify(req, now, auth);
      if (verdict) {
        req.webhookAuth = verdict;
        return;
      }
    }
    throw new WebhookUnauthorizedError();
  }
}
