import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { webhookConfig } from '../../config/webhook.config';
import { WebhookUnauthorizedError } from '../webhook-errors';
import { WebhookRequest } from '../webhook-request';
import { ApiKeyVerifier } from './api-key.verifier';
import { BasicVerifier } from './basic.verifier';
import { HmacVerifier } from './hmac.verifier';
import { StandardWebhooksVerifier } from './standard-webhooks.verifier';
import { WebhookVerifier } from './webhook-verifier';

/** Which of the WEBHOOK_AUTH_MODES accepts a request; never says why none did. */
@Injectable()
export class WebhookAuthenticator {
  private readonly verifiers: WebhookVerifier[];
  /** Every enabled mode decides from the headers alone (no signature over the body). */
  readonly decidesFromHeaders: boolean;

  constructor(
    @Inject(webhookConfig.KEY) config: ConfigType<typeof webhookConfig>,
    hmac: HmacVerifier,
    basic: BasicVerifier,
    apiKey: ApiKeyVerifier,
    standard: StandardWebhooksVerifier,
  ) {
    // Standard Webhooks first: when it accepts, its `webhook-id` is the event id.
    this.verifiers = [standard, hmac, basic, apiKey].filter((v) => config.authModes.includes(v.mode));
    this.decidesFromHeaders = this.verifiers.every((v) => v.headersOnly);
  }

  /** Sets `req.webhookAuth` from the first mode that accepts the request; else Unauthorized. */
  authenticate(req: WebhookRequest): void {
    const now = Math.floor(Date.now() / 1000);
    for (const verifier of this.verifiers) {
      const verdict = verifier.verify(req, now);
      if (verdict) {
        req.webhookAuth = verdict;
        return;
      }
    }
    throw new WebhookUnauthorizedError();
  }
}
