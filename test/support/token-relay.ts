import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A recording relay in front of a token endpoint: a test that must know every access token a
 * service received (the CRM sandbox never reveals those it issues) points CRM_TOKEN_URL at `url`.
 */
export interface TokenRelay {
  url: string;
  /** Every access_token answered through the relay, in order. */
  tokens: string[];
  server: Server;
}

/** Forwards token requests to the sandbox unchanged and remembers every access_token answered. */
export async function startTokenRelay(target: string): Promise<TokenRelay> {
  const tokens: string[] = [];
  const upstream = new URL(target);
  const server = createServer((inbound, outbound) => {
    const chunks: Buffer[] = [];
    inbound.on('data', (chunk: Buffer) => chunks.push(chunk));
    inbound.on('end', () => {
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: upstream.pathname,
          method: inbound.method,
          headers: { ...inbound.headers, host: upstream.host },
          agent: false,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const body = Buffer.concat(parts);
            try {
              const token = (JSON.parse(body.toString('utf8')) as { access_token?: unknown }).access_token;
              if (typeof token === 'string') tokens.push(token);
            } catch {
              // not JSON: nothing issued
            }
            const { 'transfer-encoding': _te, connection: _c, ...headers } = answer.headers;
            outbound.writeHead(answer.statusCode ?? 502, { ...headers, 'content-length': body.length });
            outbound.end(body);
          });
        },
      );
      forward.on('error', () => outbound.writeHead(502).end());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`, tokens, server };
}
