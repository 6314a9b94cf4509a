import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import {
  BreakerStateChanged,
  CrmRequestMade,
  EventDeadLettered,
  EventDelivered,
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
}

/**
 * The one channel from the modules that do the work (Webhook, Crm, Queue) to those that watch it
 * (Metrics): emitters never learn who listens. Listeners run synchronously inside `emit`.
 */
@Injectable()
export class Telemetry extends EventEmitter<TelemetrySignals> {}
