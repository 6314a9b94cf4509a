import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { webhookConfig } from '../../config/webhook.config';
import { WebhookUnauthorizedError } from '../webhook-errors';
import { WebhookRequest } from '../webhook-request';
import { ApiKeyVerifier } from './api-key.verifier';
import { BasicVerifier } from './basic.verifier';
import { HmacVerifier } from './hmac.verifier';
import { StandardWebhooksVerifier } from './standard-webhooks.verifier';
import { WebhookVerifier } from './webhook-verifier';

/** Lets a webhook through when one of the WEBHOOK_AUTH_MODES accepts it; never says why not. */
@Injectable()
export class WebhookAuthGuard implements CanActivate {
  private readonly verifiers: WebhookVerifier[];
  /**
   * When every enabled mode decides from headers alone, callers are authenticated before their
   * body is read, so an unauthenticated sender cannot make the service buffer or wait for bytes.
   */
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

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<WebhookRequest>();
    if (!req.webhookAuth) this.authenticate(req);
    return true;
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
