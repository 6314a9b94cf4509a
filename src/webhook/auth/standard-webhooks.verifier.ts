import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createHmac } from 'node:crypto';
import { SourceAuth } from '../../config/routing.config';
import { webhookConfig } from '../../config/webhook.config';
import { safeEqualsAny } from '../../shared/safe-equal';
import { header, WebhookRequest } from '../request/webhook-request';
import { WebhookVerifier, withinTolerance } from './webhook-verifier';

/**
 * Standard Webhooks (Svix and other gateways): `webhook-signature` holds space-separated
 * `v1,<base64 HMAC-SHA256>` entries over `<webhook-id>.<webhook-timestamp>.<raw body>`.
 * Svix sends the same scheme under its own header names (`svix-id`, `svix-timestamp`,
 * `svix-signature`); each is read as an alias, header by header, as Svix's own verifier does.
 */
@Injectable()
export class StandardWebhooksVerifier extends WebhookVerifier {
  readonly mode = 'standard' as const;
  readonly headersOnly = false;

  constructor(@Inject(webhookConfig.KEY) private readonly config: ConfigType<typeof webhookConfig>) {
    super();
  }

  verify(req: WebhookRequest, now: number, auth: SourceAuth) {
    const id = standardHeader(req, 'id')?.trim();
    const timestamp = standardHeader(req, 'timestamp')?.trim();
    const signatures = (standardHeader(req, 'signature') ?? '')
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => entry.slice(3));
    if (!id || signatures.length === 0) return null;
    if (!withinTolerance(timestamp, now, this.config.toleranceSeconds)) return null;
    const expected = auth.standardSecrets.map((key) =>
      createHmac('sha256', key).update(`${id}.${timestamp}.`).update(req.rawBody).digest('base64'),
    );
    const match = signatures.some((signature) => safeEqualsAny(signature, expected));
    return match ? { mode: this.mode, eventId: id } : null;
  }
}

function standardHeader(req: WebhookRequest, name: 'id' | 'timestamp' | 'signature'): string | undefined {
  return header(req, `webhook-${name}`) ?? header(req, `svix-${name}`);
}
