import { isPlainObject } from './completion-body';
import { Delivery } from './delivery';
import { Exchange } from './http-exchange';
import { ServiceAuth, serviceSettingsFor } from './service-auth';

/** What the node stores in the context: the service's answer, or an error a person can act on. */
export interface SendResult {
  status: 'accepted' | 'duplicate' | 'error';
  eventId?: string;
  /** The HTTP status of the last answer, when there was one. */
  httpStatus?: number;
  attempts: number;
  error?: string;
  /** Entities the node left out because the flow had not collected them. */
  omittedEntities?: string[];
}

const EXCERPT_CHARS = 500;

export function configurationError(problems: string[]): SendResult {
  return { status: 'error', attempts: 0, error: `Not sent: ${problems.join('; ')}` };
}

export function resultOf(delivery: Delivery, auth: ServiceAuth, url: URL): SendResult {
  const { last, attempts } = delivery;
  if (last.kind === 'failed') {
    return {
      status: 'error',
      attempts,
      error: `Not delivered after ${spent(delivery)}: ${last.reason} (${url.origin})`,
    };
  }
  const answer = parseJson(last.body);
  const httpStatus = last.status;
  if ((httpStatus === 202 || httpStatus === 200) && isPlainObject(answer)) {
    const { status, eventId } = answer;
    if ((status === 'accepted' || status === 'duplicate') && typeof eventId === 'string') {
      return { status, eventId, httpStatus, attempts };
    }
  }
  const error = delivery.gaveUp
    ? `Not delivered after ${spent(delivery)}: the service answered ${describeAnswer(last)}`
    : refusal(last, answer, auth, url);
  return { status: 'error', httpStatus, attempts, error };
}

function spent(delivery: Delivery): string {
  const tries = `${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}`;
  return delivery.gaveUp ? `${tries}, the limit being ${delivery.gaveUp}` : tries;
}

function refusal(last: Extract<Exchange, { kind: 'answer' }>, answer: unknown, auth: ServiceAuth, url: URL): string {
  const said = messageOf(answer) ?? excerpt(last.body);
  switch (last.status) {
    case 401:
      return `The service refused the credentials (401): check that ${serviceSettingsFor(auth)}, and that WEBHOOK_AUTH_MODES lists ${auth.mode}`;
    case 400:
      return `The service refused the completion (400): ${said}`;
    case 422:
      return `The service cannot map the completion (422): ${said}`;
    case 404:
      return `No completion route at ${url.href} (404): check the Connection's serviceUrl`;
    case 413:
      return `The completion is larger than the service accepts (413, its WEBHOOK_MAX_BODY_BYTES)`;
    default:
      return `Unexpected answer from the service: ${describeAnswer(last)}`;
  }
}

function describeAnswer(last: Extract<Exchange, { kind: 'answer' }>): string {
  const retry = last.retryAfter === undefined ? '' : ` (Retry-After ${last.retryAfter})`;
  const said = messageOf(parseJson(last.body)) ?? excerpt(last.body);
  return `${last.status}${retry}${said === '' ? '' : `: ${said}`}`;
}

/** Nest's error shape: `message` is a text or a list of texts, one per bad field. */
function messageOf(answer: unknown): string | undefined {
  if (!isPlainObject(answer)) return undefined;
  const { message } = answer;
  if (typeof message === 'string') return excerpt(message);
  if (Array.isArray(message)) return excerpt(message.map(String).join('; '));
  return undefined;
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}...` : flat;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
