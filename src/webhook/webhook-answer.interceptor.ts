import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { Telemetry } from '../telemetry/telemetry';
import { reportWhenWritten, WebhookReceipt, WebhookResponse } from './webhook-answer';
import { WebhookRequest } from './request/webhook-request';

/**
 * A webhook route's answer: 202 for an accepted event, 200 for a duplicate or an ignored output,
 * reported once written with what it said (refusals are reported by WebhookReceiptMiddleware).
 */
@Injectable()
export class WebhookAnswerInterceptor implements NestInterceptor<WebhookReceipt, WebhookReceipt> {
  constructor(private readonly telemetry: Telemetry) {}

  intercept(context: ExecutionContext, next: CallHandler<WebhookReceipt>): Observable<WebhookReceipt> {
    const http = context.switchToHttp();
    const [req, res] = [http.getRequest<WebhookRequest>(), http.getResponse<WebhookResponse>()];
    return next.handle().pipe(
      tap((receipt) => {
        res.status(receipt.status === 'accepted' ? 202 : 200);
        reportWhenWritten(this.telemetry, req, res, (status) => (status < 400 ? receipt.status : undefined));
      }),
    );
  }
}
