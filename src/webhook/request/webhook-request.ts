import { Span } from '@opentelemetry/api';
import { Request } from 'express';
import { SourceConfig } from '../../config/routing.config';
import { WebhookAuthMode } from './webhook-auth-mode';

/** What the auth guard learnt about the caller. */
export interface WebhookAuthentication {
  mode: WebhookAuthMode;
  /** Standard Webhooks carry their own event id (`webhook-id`). */
  eventId?: string;
}

/** An inbound webhook request after WebhookBodyMiddleware has read its raw bytes. */
export interface WebhookRequest extends Request {
  rawBody: Buffer;
  receivedAt: number;
  /** Monotonic receipt time (ns) for the ack latency. */
  receivedAtHr: bigint;
  webhookAuth?: WebhookAuthentication;
  /** The source the path names (`default` for the unnamed routes), resolved once by WebhookBodyMiddleware. */
  webhookSource: SourceConfig;
  id: string;
  /** Its server span, with tracing on (webhook-span.ts). */
  span?: Span;
}

export function header(req: Request, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
