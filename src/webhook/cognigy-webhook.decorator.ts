import { applyDecorators, HttpCode, Post, UseGuards } from '@nestjs/common';
import { WebhookAuthGuard } from './auth/webhook-auth.guard';

/** A Cognigy webhook route: POST, authenticated on the raw bytes by WEBHOOK_AUTH_MODES. */
export function CognigyWebhook(path: string) {
  return applyDecorators(Post(path), HttpCode(202), UseGuards(WebhookAuthGuard));
}
