import { applyDecorators, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { WebhookAuthGuard } from './auth/webhook-auth.guard';
import { WebhookAnswerInterceptor } from './webhook-answer.interceptor';

/**
 * A Cognigy webhook route: POST, authenticated on the raw bytes by WEBHOOK_AUTH_MODES, answered
 * 202 (accepted) or 200 (duplicate, ignored) by WebhookAnswerInterceptor.
 */
export function CognigyWebhook(path: string) {
  return applyDecorators(
    Post(path),
    HttpCode(202),
    UseGuards(WebhookAuthGuard),
    UseInterceptors(WebhookAnswerInterceptor),
  );
}
