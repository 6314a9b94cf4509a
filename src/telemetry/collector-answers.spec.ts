import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { AddressInfo } from 'node:net';
import { CollectorAnswers } from './collector-answers';

describe('CollectorAnswers', () => {
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(statuses.shift() ?? 200).end();
  });
  let port: number;
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  const post = (agent: Agent) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/traces', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end('{}');
    });

  it("notes the status of the collector's last refusal through the agent it makes, and tells it once", async () => {
    const answers = new CollectorAnswers();
    const agent = answers.agentFactory('http:');
    statuses.push(503, 429, 200);
    expect([await post(agent), await post(agent)]).toEqual([503, 429]);
    expect(answers.takeLastRefusal()).toBe(429);
    expect(answers.takeLastRefusal()).toBeUndefined();
    expect(await post(agent)).toBe(200);
    expect(answers.takeLastRefusal()).toBeUndefined();
    agent.destroy();
  });

  it('makes an https agent for an https collector', () => {
    const agent = new CollectorAnswers().agentFactory('https:');
    expect(agent).toBeInstanceOf(HttpsAgent);
    agent.destroy();
  });
});
