import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

export const WEBHOOK_OUTCOMES = [
  'accepted',
  'duplicate',
  'ignored',
  'unauthorized',
  'invalid',
  'unsupported',
  'too_large',
  'unsupported_media',
  'unavailable',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number] | 'error';

export type WebhookRoute = 'dialog-complete' | 'endpoint-output';

export interface WebhookEventMap {
  /** Emitted when the answer has been written; `seconds` from receipt to answer. */
  answered: [route: WebhookRoute, outcome: WebhookOutcome, seconds: number];
}

/** Lets the Metrics module observe webhook answers without the Webhook module knowing it. */
@Injectable()
export class WebhookEvents extends EventEmitter<WebhookEventMap> {}

const BY_STATUS: Record<number, WebhookOutcome> = {
  202: 'accepted',
  400: 'invalid',
  401: 'unauthorized',
  413: 'too_large',
  415: 'unsupported_media',
  422: 'unsupported',
  503: 'unavailable',
};

/** The outcome label of an answer; 200 is told apart by what the controller recorded. */
export function outcomeOf(status: number, recorded?: WebhookOutcome): WebhookOutcome {
  if (status === 200) return recorded ?? 'duplicate';
  return BY_STATUS[status] ?? 'error';
}
