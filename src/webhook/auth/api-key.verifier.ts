import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { webhookConfig } from '../../config/webhook.config';
import { safeEqualsAny } from '../../shared/safe-equal';
import { header, WebhookRequest } from '../webhook-request';
import { WebhookVerifier } from './webhook-verifier';

/** `X-API-Key`, the HTTP Request node's "API Key - X-API-Key" option. */
@Injectable()
export class ApiKeyVerifier extends WebhookVerifier {
  readonly mode = 'apikey' as const;
  readonly headersOnly = true;

  constructor(@Inject(webhookConfig.KEY) private readonly config: ConfigType<typeof webhookConfig>) {
    super();
  }

  verify(req: WebhookRequest) {
    const key = header(req, 'x-api-key');
    return key && safeEqualsAny(key, this.config.apiKeys) ? { mode: this.mode } : null;
  }
}
