import { createHmac } from 'node:crypto';
import { sampleDialog } from '../../src/webhook/dto/dialog-complete.fixture';

/** Hex HMAC-SHA256 as a Cognigy flow computes it (optionally over `<timestamp>.<body>`). */
export function cognigySignature(secret: string, body: string, timestamp?: number | string): string {
  const hmac = createHmac('sha256', secret);
  if (timestamp !== undefined) hmac.update(`${timestamp}.`);
  return hmac.update(body).digest('hex');
}

/** A `webhook-signature` header value under the Standard Webhooks scheme. */
export function standardSignature(whsec: string, id: string, timestamp: number | string, body: string): string {
  const key = Buffer.from(whsec.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The sample for contact `C-<eventKey>` (newStatus gold) in conversation `conv-<eventKey>`. */
export function keyedDialog(eventKey: string): Record<string, unknown> {
  return sampleDialog({
    conversationId: `conv-${eventKey}`,
    entities: { customerId: { value: `C-${eventKey}`, confidence: 0.9 }, newStatus: { value: 'gold' } },
  });
}

/**
 * keyedDialog(eventId) as a Cognigy flow sends it: the raw body and its headers, signed with
 * `secret` and naming `eventId` in X-Cognigy-Event-Id.
 */
export function signedEvent(secret: string, eventId: string): { raw: string; headers: Record<string, string> } {
  const raw = JSON.stringify(keyedDialog(eventId));
  return { raw, headers: { 'x-cognigy-signature': cognigySignature(secret, raw), 'x-cognigy-event-id': eventId } };
}
