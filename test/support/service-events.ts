import { call, post } from './service-process';
import { cognigySignature } from './signing';
import { waitFor } from './wait-for';
import { DIALOG_ROUTE } from './webhook-cases';

/** A built service's events as the tests of the store commands see them: sent signed, read over /admin. */

export interface Sent {
  status: number;
  eventId: string;
  raw: string;
}

export interface AdminEventView {
  state: string;
  lastStatus: number | null;
  attemptHistory: Array<{ status: number | null }>;
}

export async function sendSigned(port: number, secret: string, body: object): Promise<Sent> {
  const raw = JSON.stringify(body);
  const answer = await post(port, DIALOG_ROUTE, raw, { 'x-cognigy-signature': cognigySignature(secret, raw) });
  return { status: answer.status, eventId: (JSON.parse(answer.body) as { eventId: string }).eventId, raw };
}

export async function adminEvent(port: number, adminToken: string, eventId: string): Promise<AdminEventView | null> {
  const answer = await call(port, 'GET', `/admin/events/${eventId}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  return answer.status === 200 ? (JSON.parse(answer.body) as AdminEventView) : null;
}

export async function inState(port: number, adminToken: string, ids: string[], state: string): Promise<void> {
  await waitFor(
    async () => (await Promise.all(ids.map((id) => adminEvent(port, adminToken, id)))).every((e) => e?.state === state),
    { what: `${ids.join(', ')} ${state}`, timeoutMs: 30000 },
  );
}
