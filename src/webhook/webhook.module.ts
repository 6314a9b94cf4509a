import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { MappingModule } from '../mapping/mapping.module';
import { QueueModule } from '../queue/queue.module';
import { ApiKeyVerifier } from './auth/api-key.verifier';
import { BasicVerifier } from './auth/basic.verifier';
import { HmacVerifier } from './auth/hmac.verifier';
import { StandardWebhooksVerifier } from './auth/standard-webhooks.verifier';
import { WebhookAuthGuard } from './auth/webhook-auth.guard';
import { WebhookBodyMiddleware } from './webhook-body.middleware';
import { WEBHOOK_ROUTES, WebhookController } from './webhook.controller';
import { WebhookEvents } from './webhook-events';
import { WebhookIngestService } from './webhook-ingest.service';

@Module({
  imports: [MappingModule, QueueModule],
  controllers: [WebhookController],
  providers: [
    WebhookIngestService,
    WebhookEvents,
    WebhookAuthGuard,
    HmacVerifier,
    BasicVerifier,
    ApiKeyVerifier,
    StandardWebhooksVerifier,
  ],
  exports: [WebhookEvents],
})
export class WebhookModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(WebhookBodyMiddleware)
      .forRoutes(...WEBHOOK_ROUTES.map((path) => ({ path, method: RequestMethod.POST })));
  }
}
