import { Agent as HttpAgent, ClientRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/** Node's Agent method every ClientRequest made with the agent calls (long-standing, not in its types). */
interface AgentWithAddRequest {
  addRequest(request: ClientRequest, ...rest: unknown[]): void;
}

/**
 * The HTTP statuses the OTLP exporter's collector answered. The exporter retries 429, 502, 503
 * and 504 and, when every retry failed, reports only "Export failed with retryable status": the
 * status itself is gone. Its requests go through the agent this makes, which notes every answer's
 * status, so the failure can name it.
 */
export class CollectorAnswers {
  private lastRefusal?: number;

  /** For the exporter's `httpAgentOptions`: a keep-alive agent (the exporter's default) that notes statuses. */
  readonly agentFactory = (protocol: string): HttpAgent => {
    const agent = protocol === 'http:' ? new HttpAgent({ keepAlive: true }) : new HttpsAgent({ keepAlive: true });
    const watched = agent as unknown as AgentWithAddRequest;
    const addRequest = watched.addRequest.bind(agent);
    watched.addRequest = (request, ...rest) => {
      request.once('response', (response: IncomingMessage) => this.noted(response.statusCode));
      addRequest(request, ...rest);
    };
    return agent;
  };

  /** The status of the last answer that was not a 2xx, once: a later failure without an answer must not show it. */
  takeLastRefusal(): number | undefined {
    const status = this.lastRefusal;
    this.lastRefusal = undefined;
    return status;
  }

  private noted(status: number | undefined): void {
    if (status !== undefined && (status < 200 || status > 299)) this.lastRefusal = status;
  }
}
