import { Exchange, postOnce } from './http-exchange';

/**
 * Sends one completion, again while the service is briefly away, all within the node's time
 * budget (Cognigy ends an Extension node after 20 s by default, so the budget stays below that).
 */

export interface DeliveryPlan {
  url: URL;
  body: string;
  /** Called before every attempt: the hmac timestamp is fresh on each. */
  headers: (now: Date) => Record<string, string>;
  budgetMs: number;
  attemptTimeoutMs: number;
}

export interface Delivery {
  /** The last attempt's outcome. */
  last: Exchange;
  attempts: number;
  /** Set when the node stopped retrying a transient failure: the budget or the attempts ran out. */
  gaveUp?: string;
}

/** A transient answer: the service is starting, stopping or shedding load, or a proxy says so. */
const RETRIED_STATUSES = new Set([408, 429, 502, 503, 504]);
export const MAX_ATTEMPTS = 8;
/** An attempt is not started with less time than this left. */
const MIN_ATTEMPT_MS = 500;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 2000;

export async function deliver(plan: DeliveryPlan, clock: () => number = Date.now): Promise<Delivery> {
  const deadline = clock() + plan.budgetMs;
  for (let attempts = 1; ; attempts += 1) {
    const timeout = Math.max(1, Math.min(plan.attemptTimeoutMs, deadline - clock()));
    const last = await postOnce(plan.url, plan.body, plan.headers(new Date(clock())), timeout);
    if (!isTransient(last)) return { last, attempts };
    if (attempts >= MAX_ATTEMPTS) return { last, attempts, gaveUp: `${attempts} attempts` };
    const wait = waitBefore(last, attempts, clock());
    const left = deadline - clock();
    if (wait + MIN_ATTEMPT_MS > left) {
      const asked = wait > MAX_BACKOFF_MS ? ` (the service asked to wait ${Math.ceil(wait / 1000)} s)` : '';
      return { last, attempts, gaveUp: `the node's time budget of ${plan.budgetMs} ms${asked}` };
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

export function isTransient(exchange: Exchange): boolean {
  return exchange.kind === 'failed' || RETRIED_STATUSES.has(exchange.status);
}

/** Retry-After when the answer has one (seconds or an HTTP date), else a growing backoff with jitter. */
function waitBefore(exchange: Exchange, attempts: number, now: number): number {
  const asked = exchange.kind === 'answer' ? retryAfterMs(exchange.retryAfter, now) : undefined;
  if (asked !== undefined) return asked;
  const ceiling = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempts - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
