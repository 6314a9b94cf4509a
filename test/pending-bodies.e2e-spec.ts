import { PendingBodyBudget } from '../src/webhook/pending-body-budget';
import { openConnection, RawConnection } from './support/raw-connection';
import { cognigySignature } from './support/signing';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { contactDialog, DIALOG_ROUTE, unique } from './support/webhook-cases';

/**
 * Bytes held for bodies read before their sender is authenticated (hmac signs the body), through
 * real HTTP into the real app: a client past its share, or any client past the whole budget, is
 * answered 503 with Retry-After before its body is read, while other clients' webhooks go on.
 * Clients are told apart by their address: each connection here binds its own loopback address.
 */

const SECRET = 'pending-bodies-secret';
const HELD = 200_000;

const head = (length: number, signature: string) =>
  `POST ${DIALOG_ROUTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${length}\r\nX-Cognigy-Signature: ${signature}\r\n\r\n`;

/** A stranger's request: a bogus signature, HELD bytes declared, part of them sent, the rest never. */
async function hold(t: TestApp, from: string): Promise<RawConnection> {
  const conn = await openConnection(t.server, from);
  conn.socket.write(head(HELD, 'f'.repeat(64)) + ' '.repeat(1000));
  return conn;
}

/** A signed webhook sent whole from `from`; resolves with the connection once it is answered. */
async function signed(t: TestApp, from: string): Promise<RawConnection> {
  const raw = JSON.stringify(contactDialog(unique('C-pending')));
  const conn = await openConnection(t.server, from);
  conn.socket.write(head(Buffer.byteLength(raw), cognigySignature(SECRET, raw)) + raw);
  await waitFor(conn.status, { what: 'the signed webhook to be answered' });
  return conn;
}

/** A request that declares HELD bytes and sends only its headers; resolves once answered. */
async function headersOnly(t: TestApp, from: string): Promise<RawConnection> {
  const conn = await openConnection(t.server, from);
  conn.socket.write(head(HELD, 'f'.repeat(64)));
  await waitFor(conn.status, { what: 'an answer before the body is sent' });
  return conn;
}

describe('the pending-bytes budget (hmac: bodies are read before the signature is checked)', () => {
  let t: TestApp;
  let budget: PendingBodyBudget;
  const opened: RawConnection[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      COGNIGY_WEBHOOK_SECRETS: SECRET,
      WEBHOOK_MAX_PENDING_BYTES: '500000',
      WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT: '300000',
      // Long enough that no held body times out while a busy machine runs the test.
      WEBHOOK_BODY_TIMEOUT_MS: '120000',
    });
    budget = t.app.get(PendingBodyBudget);
  });
  afterAll(async () => {
    for (const conn of opened) conn.socket.destroy();
    await t.close();
  });

  const held = (bytes: number) => () => budget.heldBytes >= bytes;

  it('a client past its share gets 503 with Retry-After before its body is read; another client is answered 202', async () => {
    opened.push(await hold(t, '127.0.0.1'));
    await waitFor(held(HELD), { what: 'the first body to be held' });

    const refused = await headersOnly(t, '127.0.0.1');
    opened.push(refused);
    expect(refused.status()).toBe(503);
    expect(refused.received()).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(refused.received()).toMatch(/\r\nconnection: close\r\n/i);
    await waitFor(refused.closed, { what: 'the refused connection to be dropped' });

    const legit = await signed(t, '127.0.0.2');
    opened.push(legit);
    expect(legit.status()).toBe(202);
  });

  it('past the whole budget every client gets 503; room comes back when a held body goes', async () => {
    const second = await hold(t, '127.0.0.3');
    opened.push(second);
    await waitFor(held(2 * HELD), { what: 'the second body to be held' });

    const refused = await headersOnly(t, '127.0.0.4');
    opened.push(refused);
    expect(refused.status()).toBe(503);
    expect(refused.received()).toMatch(/\r\nretry-after: 1\r\n/i);

    second.socket.destroy();
    await waitFor(() => budget.heldBytes < 2 * HELD, { what: 'the dropped body to give its room back' });
    const legit = await signed(t, '127.0.0.4');
    opened.push(legit);
    expect(legit.status()).toBe(202);
  });

  it('an answered request gives its room back (a 401 for a bogus signature)', async () => {
    const before = budget.heldBytes;
    const bogus = await openConnection(t.server, '127.0.0.5');
    opened.push(bogus);
    const raw = JSON.stringify(contactDialog(unique('C-bogus')));
    bogus.socket.write(head(Buffer.byteLength(raw), 'f'.repeat(64)) + raw);
    await waitFor(bogus.status, { what: 'the 401' });
    expect(bogus.status()).toBe(401);
    await waitFor(() => budget.heldBytes === before, { what: 'the answered request to give its room back' });
  });
});
