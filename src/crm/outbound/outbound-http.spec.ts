import axios, { AxiosInstance } from 'axios';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { createServer, Server } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { outboundHttpOptions } from './outbound-http';

/** How long the spec waits for the idle connection to close before it calls it kept. */
const CLOSE_WAIT_MS = 20_000;

/**
 * Idle keep-alive connections of the outbound clients, against a loopback server that keeps its
 * own idle connections far longer than the clients may. A connection the server closes while the
 * client still holds it idle is the one a later request can be written to just as it goes: a
 * reset, counted as a failed attempt (and a breaker failure) the CRM never saw.
 */
describe('outbound HTTP: idle keep-alive connections', () => {
  let server: Server;
  let http: AxiosInstance;
  const connections: Socket[] = [];

  beforeEach(async () => {
    server = createServer((_req, res) => res.end('ok'));
    // Announced (Keep-Alive: timeout=…) and kept: the client must close first all the same.
    server.keepAliveTimeout = 10 * CLOSE_WAIT_MS;
    server.on('connection', (socket: Socket) => connections.push(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const options = outboundHttpOptions(5000, -1);
    http = axios.create({ ...options, baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });

  afterEach(async () => {
    (http.defaults.httpAgent as Agent).destroy();
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
    connections.length = 0;
  });

  it(
    'closes an idle connection itself before the server does; the next request opens a new one',
    async () => {
      expect((await http.get('/')).status).toBe(200);
      expect(connections).toHaveLength(1);
      const [socket] = connections;
      let endedByClient = false;
      socket.once('end', () => (endedByClient = true));
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        once(socket, 'close').then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS))),
      ]);
      clearTimeout(timer);
      expect({ closed, endedByClient }).toEqual({ closed: true, endedByClient: true });

      expect((await http.get('/')).status).toBe(200);
      expect(connections).toHaveLength(2);
    },
    2 * CLOSE_WAIT_MS,
  );

  it('keeps a connection for the next request while it is not idle', async () => {
    expect((await http.get('/')).status).toBe(200);
    expect((await http.get('/')).status).toBe(200);
    expect(connections).toHaveLength(1);
  });
});
