import { Agent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { CrmRequest } from './crm-request';

/** A CRM request with its full URL: the body already serialised. */
export type HttpRequest = Omit<CrmRequest, 'path'> & { url: string };

/** Raised when the socket stays silent for the whole socket timeout. */
export class SocketTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor() {
    super('socket silent for the whole timeout');
  }
}

export interface HttpAgents {
  httpAgent: Agent;
  httpsAgent: HttpsAgent;
}

/**
 * Sends one request with node:http(s) on keep-alive `agents` and resolves with the answer's head,
 * its body still to be read. Redirects are not followed (the answer is the 3xx). The socket
 * timeout ends a request whose peer stays silent for `timeoutMs`; `signal` ends it at its deadline.
 * No framework around it: on the delivery path every request's config merging and interceptor
 * chain cost CPU the event loop owes the webhooks.
 */
export function sendHttp(
  request: HttpRequest,
  { agents, timeoutMs, signal }: { agents: HttpAgents; timeoutMs: number; signal: AbortSignal },
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const headers =
      request.data === undefined
        ? request.headers
        : { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.data)) };
    const send = secure ? httpsRequest : httpRequest;
    const req = send(url, {
      method: request.method,
      headers,
      agent: secure ? agents.httpsAgent : agents.httpAgent,
      signal,
      timeout: timeoutMs,
    });
    req.on('timeout', () => req.destroy(new SocketTimeoutError()));
    req.on('error', reject);
    req.on('response', resolve);
    req.end(request.data);
  });
}
