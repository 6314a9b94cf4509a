import { Server } from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything the server answered so far. */
  received: () => string;
  /** The status of the answer, once its status line arrived. */
  status: () => number | undefined;
  closed: () => boolean;
}

/**
 * A raw TCP connection to an in-process app's server (listening on a free port if it is not yet),
 * from `localAddress` when given (a loopback address: the service tells clients apart by address).
 */
export async function openConnection(server: Server, localAddress?: string): Promise<RawConnection> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  let closed = false;
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  return { socket, received: () => text, status: () => statusOf(text), closed: () => closed };
}

/** The status of a raw HTTP/1.1 answer, or undefined before its status line. */
export const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]) || undefined;
