import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { WebhookRequest } from '../request/webhook-request';
import { WebhookAuthenticator } from './webhook-authenticator';

/**
 * Lets a webhook through when one of the WEBHOOK_AUTH_MODES accepts it (401 otherwise), over the
 * raw bytes WebhookBodyMiddleware read. The one request it finds already authenticated is the one
 * the middleware authenticated before reading its body (`authenticateBeforeReading`, header-only
 * modes).
 */
@Injectable()
export class WebhookAuthGuard implements CanActivate {
  constructor(private readonly authenticator: WebhookAuthenticator) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<WebhookRequest>();
    if (!req.webhookAuth) this.authenticator.authenticate(req);
    return true;
  }
}
