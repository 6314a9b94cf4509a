import { Agent, AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Duplex } from 'node:stream';

type CreateConnection = (options: object, callback: (err: Error | null, socket: Duplex) => void) => Duplex;

/**
 * Node's agents have no connect timeout (axios' `timeout` covers the whole request); a CRM that
 * silently drops SYNs must fail fast, so each new socket gets `connectTimeoutMs` to connect. The
 * agent's own `timeout` is left out here: it is meant for idle connections, not for connecting.
 */
function withConnectTimeout<T extends Agent | HttpsAgent>(agent: T, connectTimeoutMs: number): T {
  const original = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (options, callback) => {
    const socket = original({ ...options, timeout: undefined }, callback);
    const timer = setTimeout(
      () => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
      connectTimeoutMs,
    );
    timer.unref();
    const clear = () => clearTimeout(timer);
    socket.once('connect', clear);
    socket.once('secureConnect', clear);
    socket.once('close', clear);
    return socket;
  };
  return agent;
}

/**
 * Keep-alive agents whose idle connections close after `idleTimeoutMs`, or shortly before the
 * server's announced `Keep-Alive: timeout` when that comes first (Node honours the announcement
 * only for an agent with a timeout of its own). A connection the server closes while the agent
 * still holds it is one a request can be written to as it goes: a reset the CRM never saw, counted
 * as a failed attempt and a breaker failure.
 */
export function outboundAgents(connectTimeoutMs: number, idleTimeoutMs: number) {
  const options: AgentOptions = { keepAlive: true, timeout: idleTimeoutMs };
  return {
    httpAgent: withConnectTimeout(new Agent(options), connectTimeoutMs),
    httpsAgent: withConnectTimeout(new HttpsAgent(options), connectTimeoutMs),
  };
}
