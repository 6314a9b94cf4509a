import { Injectable } from '@nestjs/common';
import { SourceAuth } from '../../config/routing.config';
import { safeEqual } from '../../shared/safe-equal';
import { header, WebhookRequest } from '../request/webhook-request';
import { WebhookVerifier } from './webhook-verifier';

/** `Authorization: Basic`, as the Webhook Endpoint and the HTTP Request node send natively. */
@Injectable()
export class BasicVerifier extends WebhookVerifier {
  readonly mode = 'basic' as const;
  readonly headersOnly = true;

  verify(req: WebhookRequest, _now: number, auth: SourceAuth) {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header(req, 'authorization') ?? '');
    if (!match) return null;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    // Both halves are always compared, so timing says nothing about which one was wrong.
    const user = safeEqual(decoded.slice(0, colon), auth.basicUser ?? '');
    const password = safeEqual(decoded.slice(colon + 1), auth.basicPassword ?? '');
    return user && password ? { mode: this.mode } : null;
  }
}
