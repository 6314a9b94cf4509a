import { TestApp } from './test-app';
import { waitFor } from './wait-for';
import { contactDialog, DIALOG_ROUTE, postSigned, store } from './webhook-cases';

/** The signed webhooks the metrics suites send (test/metrics-*.e2e-spec.ts), and the wait for their delivery. */

export const SECRET = 's';

export interface Sent {
  eventId: string;
  conversationId: string;
  raw: string;
}

/** A signed dialog completion (update_customer_profile of `customerId` unless the body says otherwise). */
export async function sendDialog(
  t: TestApp,
  customerId: string,
  overrides: Record<string, unknown> = {},
  expected = 202,
) {
  const dialog = contactDialog(customerId, {}, overrides);
  const raw = JSON.stringify(dialog);
  const res = await postSigned(t, SECRET, DIALOG_ROUTE, raw);
  expect(res.status).toBe(expected);
  return { eventId: res.body.eventId as string, conversationId: dialog.conversationId as string, raw, body: res.body };
}

const stateOf = async (t: TestApp, eventId: string) => (await store(t).get(eventId))?.state;

/** Waits until the store shows event `eventId` in `state`. */
export const reached = (t: TestApp, eventId: string, state: string) =>
  waitFor(async () => (await stateOf(t, eventId)) === state, { what: `event ${eventId} ${state}` });
