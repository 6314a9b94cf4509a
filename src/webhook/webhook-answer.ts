import { Response } from 'express';
import { Telemetry } from '../telemetry/telemetry';
import { WebhookAnswerKind, WebhookRoute } from '../telemetry/telemetry-signals';
import { WebhookRequest } from './request/webhook-request';
import { spanAnswer, WebhookTraceIds } from './webhook-span';

/** What a webhook route answers when it takes the request: the body of its 202 or 200. */
export type WebhookReceipt = { status: 'accepted' | 'duplicate'; eventId: string } | { status: 'ignored' };

/** Ids the request's access line carries (the logging module reads `res.locals.logged`). */
export interface WebhookLogIds {
  eventId: string;
  conversationId: string;
  intent: string;
  externalId?: string;
  /** The id a replayed event was sent under, when the store answered with the original's. */
  replayEventId?: string;
}

export type WebhookResponse = Response<unknown, { logged?: WebhookLogIds; trace?: WebhookTraceIds }>;

const REFUSAL_KINDS: Record<number, WebhookAnswerKind> = {
  400: 'invalid',
  408: 'invalid',
  401: 'unauthorized',
  413: 'too_large',
  415: 'unsupported_media',
  422: 'unsupported',
  503: 'unavailable',
};

/** What a refusal said, by its status (`error` for a status no refusal of the routes has). */
export const refusalKind = (status: number): WebhookAnswerKind => REFUSAL_KINDS[status] ?? 'error';

/** `/webhooks/cognigy/<source>/<route>`: the source's name; the unnamed routes have none. */
const NAMED_SOURCE_PATH = /^\/webhooks\/cognigy\/([^/]+)\/(?:dialog-complete|endpoint-output)\/?$/;

/** The source a webhook path names, or undefined for the unnamed routes (the source `default`). */
export const sourceOfPath = (path: string): string | undefined => NAMED_SOURCE_PATH.exec(path)?.[1];

/** Reports the answer once written (`webhookAnswered`): its route, what it said, seconds since receipt. */
export function reportWhenWritten(
  telemetry: Telemetry,
  req: WebhookRequest,
  res: Response,
  kind: (status: number) => WebhookAnswerKind | undefined,
): void {
  res.once('finish', () => {
    const said = kind(res.statusCode);
    if (said === undefined) return;
    spanAnswer(req, said);
    const path = req.originalUrl.split('?')[0];
    const route: WebhookRoute = path.endsWith('endpoint-output') ? 'endpoint-output' : 'dialog-complete';
    const seconds = Number(process.hrtime.bigint() - req.receivedAtHr) / 1e9;
    telemetry.emit('webhookAnswered', { route, kind: said, seconds, source: sourceOfPath(path) });
  });
}
