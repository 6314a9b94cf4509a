import { Response } from 'express';
import { WebhookAnswerKind } from '../telemetry/telemetry-signals';

/** What the controller leaves for WebhookBodyMiddleware, which reports the answer once written. */
export interface WebhookAnswerLocals {
  /** A 200 answers a duplicate or an ignored event: the status alone cannot tell which. */
  answerKind?: 'duplicate' | 'ignored' | 'accepted';
  /** Ids the request's access line carries (the logging module reads `logged`). */
  logged?: WebhookLogIds;
}

export interface WebhookLogIds {
  eventId: string;
  conversationId: string;
  intent: string;
  externalId?: string;
  /** The id a replayed event was sent under, when the store answered with the original's. */
  replayEventId?: string;
}

export type WebhookResponse = Response<unknown, WebhookAnswerLocals>;

const KIND_BY_STATUS: Record<number, WebhookAnswerKind> = {
  202: 'accepted',
  400: 'invalid',
  408: 'invalid',
  401: 'unauthorized',
  413: 'too_large',
  415: 'unsupported_media',
  422: 'unsupported',
  503: 'unavailable',
};

/** The kind of a written answer; a 200 is told apart by what the controller left in the locals. */
export function answerKindOf(res: WebhookResponse): WebhookAnswerKind {
  if (res.statusCode === 200) return res.locals.answerKind ?? 'duplicate';
  return KIND_BY_STATUS[res.statusCode] ?? 'error';
}
