import { Injectable } from '@nestjs/common';
import { SourceAuth } from '../../config/routing.config';
import { safeEqualsAny } from '../../shared/safe-equal';
import { header, WebhookRequest } from '../request/webhook-request';
import { WebhookVerifier } from './webhook-verifier';

/** `X-API-Key`, the HTTP Request node's "API Key - X-API-Key" option. */
@Injectable()
export class ApiKeyVerifier extends WebhookVerifier {
  readonly mode = 'apikey' as const;
  readonly headersOnly = true;

  verify(req: WebhookRequest, _now: number, auth: SourceAuth) {
    const key = header(req, 'x-api-key');
    return key && safeEqualsAny(key, auth.apiKeys) ? { mode: this.mode } : null;
  }
}
