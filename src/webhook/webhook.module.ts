import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { MappingModule } from '../mapping/mapping.module';
import { QueueModule } from '../queue/queue.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { ApiKeyVerifier } from './auth/api-key.verifier';
import { BasicVerifier } from './auth/basic.verifier';
import { HmacVerifier } from './auth/hmac.verifier';
import { StandardWebhooksVerifier } from './auth/standard-webhooks.verifier';
import { WebhookAuthenticator } from './auth/webhook-authenticator';
import { PendingBodyBudget } from './pending-body-budget';
import { WebhookBodyMiddleware } from './webhook-body.middleware';
import { WebhookErrorAnswers } from './request/webhook-errors';
import { WebhookController } from './webhook.controller';
import { WebhookIngestService } from './webhook-ingest.service';
import { WebhookReceiptMiddleware } from './webhook-receipt.middleware';
import { WebhookSources } from './request/webhook-sources';

@Module({
  imports: [MappingModule, QueueModule, TelemetryModule],
  controllers: [WebhookController],
  providers: [
    WebhookIngestService,
    WebhookAuthenticator,
    HmacVerifier,
    BasicVerifier,
    ApiKeyVerifier,
    StandardWebhooksVerifier,
    WebhookErrorAnswers,
    PendingBodyBudget,
    WebhookSources,
  ],
})
export class WebhookModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WebhookReceiptMiddleware, WebhookBodyMiddleware).forRoutes(WebhookController);
  }
}
