import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import {
  BreakerStateChanged,
  CrmRequestMade,
  EventDeadLettered,
  EventDelivered,
  SpansDropped,
  StoreResetNoticed,
  TokenRequested,
  WebhookAnswered,
} from './telemetry-signals';

export interface TelemetrySignals {
  webhookAnswered: [WebhookAnswered];
  crmRequestMade: [CrmRequestMade];
  eventDelivered: [EventDelivered];
  eventDeadLettered: [EventDeadLettered];
  breakerStateChanged: [BreakerStateChanged];
  tokenRequested: [TokenRequested];
  storeResetNoticed: [StoreResetNoticed];
  spansDropped: [SpansDropped];
}

/**
 * The one channel from the modules that do the work (Webhook, Crm, Queue, and this module's trace
 * exporter) to those that watch it (Metrics): emitters never learn who listens. Listeners run
 * synchronously inside `emit`.
 */
@Injectable()
export class Telemetry extends EventEmitter<TelemetrySignals> {}
