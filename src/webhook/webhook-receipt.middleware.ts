import { Injectable, NestMiddleware } from '@nestjs/common';
import { NextFunction } from 'express';
import { Telemetry } from '../telemetry/telemetry';
import { Tracing } from '../telemetry/tracing';
import { refusalKind, reportWhenWritten, WebhookResponse } from './webhook-answer';
import { WebhookRequest } from './request/webhook-request';
import { startReceiveSpan } from './webhook-span';

/**
 * The first step of a webhook request: its receipt time, and the report of its answer if it is a
 * refusal (status 400 and up), whichever step refused it: the body middleware and the guard run
 * before any interceptor, so only a middleware sees them all. The answers a route makes (202,
 * 200) are reported by WebhookAnswerInterceptor, which knows what each one said. With tracing
 * on, the request's server span starts here too.
 */
@Injectable()
export class WebhookReceiptMiddleware implements NestMiddleware {
  constructor(
    private readonly telemetry: Telemetry,
    private readonly tracing: Tracing,
  ) {}

  use(req: WebhookRequest, res: WebhookResponse, next: NextFunction): void {
    req.receivedAtHr = process.hrtime.bigint();
    req.receivedAt = Date.now();
    reportWhenWritten(this.telemetry, req, res, (status) => (status >= 400 ? refusalKind(status) : undefined));
    if (this.tracing.enabled) startReceiveSpan(this.tracing, req, res);
    next();
  }
}
