import { HttpModuleOptions } from '@nestjs/axios';
import { outboundAgents } from './connect-timeout.agent';

/** A CRM or token endpoint that does not accept the connection within this fails the attempt. */
export const CONNECT_TIMEOUT_MS = 5000;
/**
 * An idle connection is closed after this: below the shortest keep-alive timeout servers commonly
 * keep (Node's own), so the server rarely closes one the client still counts on.
 */
export const IDLE_CONNECTION_TIMEOUT_MS = 4000;

/**
 * Options shared by every outbound axios instance (the CRM API's and the token endpoint's): no
 * redirects, 5 s to connect, idle connections closed before the server would, and `timeoutMs` of
 * socket silence. The socket timeout alone does not bound an exchange (a peer sending one byte a
 * second never trips it), so each request also carries a `deadline(timeoutMs)` signal.
 */
export function outboundHttpOptions(timeoutMs: number, maxContentLength: number): HttpModuleOptions {
  return {
    timeout: timeoutMs,
    maxRedirects: 0,
    maxContentLength,
    ...outboundAgents(CONNECT_TIMEOUT_MS, IDLE_CONNECTION_TIMEOUT_MS),
  };
}

/**
 * The whole-exchange deadline of one request (connect, headers and body), ended by the caller once
 * the exchange is over: AbortSignal.timeout would keep its timer for the whole timeout, one live
 * timer per request of the last CRM_TIMEOUT_MS (thousands on the delivery path).
 */
export function deadline(timeoutMs: number): { signal: AbortSignal; end: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('deadline reached', 'TimeoutError')), timeoutMs);
  return { signal: controller.signal, end: () => clearTimeout(timer) };
}

/** axios' codes for a request that ran out of time (ERR_CANCELED: its deadline signal fired). */
export const isTimeoutCode = (code?: string) =>
  code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED';
