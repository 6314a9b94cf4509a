import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createHmac } from 'node:crypto';
import { SourceAuth } from '../../config/routing.config';
import { webhookConfig } from '../../config/webhook.config';
import { safeEqualsAny } from '../../shared/safe-equal';
import { header, WebhookRequest } from '../request/webhook-request';
import { WebhookVerifier, withinTolerance } from './webhook-verifier';

/**
 * `X-Cognigy-Signature`: hex HMAC-SHA256 of the raw body (or of `<timestamp>.<raw body>` when
 * `X-Cognigy-Timestamp` is sent), with any of the source's secrets.
 */
@Injectable()
export class HmacVerifier extends WebhookVerifier {
  readonly mode = 'hmac' as const;
  readonly headersOnly = false;

  constructor(@Inject(webhookConfig.KEY) private readonly config: ConfigType<typeof webhookConfig>) {
    super();
  }

  verify(req: WebhookRequest, now: number, auth: SourceAuth) {
    const signature = header(req, 'x-cognigy-signature')
      ?.trim()
      .replace(/^sha256=/i, '')
      .toLowerCase();
    if (!signature) return null;
    const timestamp = header(req, 'x-cognigy-timestamp')?.trim();
    if (timestamp === undefined && auth.requireTimestamp) return null;
    if (timestamp !== undefined && !withinTolerance(timestamp, now, this.config.toleranceSeconds)) {
      return null;
    }
    const expected = auth.hmacSecrets.map((secret) => {
      const hmac = createHmac('sha256', secret);
      if (timestamp !== undefined) hmac.update(`${timestamp}.`);
      return hmac.update(req.rawBody).digest('hex');
    });
    return safeEqualsAny(signature, expected) ? { mode: this.mode } : null;
  }
}
