import { Agent, AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Duplex } from 'node:stream';

type CreateConnection = (options: object, callback: (err: Error | null, socket: Duplex) => void) => Duplex;

/**
 * Node's agents have no connect timeout (axios' `timeout` covers the whole request); a CRM that
 * silently drops SYNs must fail fast, so each new socket gets `connectTimeoutMs` to connect.
 */
function withConnectTimeout<T extends Agent | HttpsAgent>(agent: T, connectTimeoutMs: number): T {
  const original = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (options, callback) => {
    const socket = original(options, callback);
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

export function connectTimeoutAgents(connectTimeoutMs: number) {
  const options: AgentOptions = { keepAlive: true };
  return {
    httpAgent: withConnectTimeout(new Agent(options), connectTimeoutMs),
    httpsAgent: withConnectTimeout(new HttpsAgent(options), connectTimeoutMs),
  };
}
