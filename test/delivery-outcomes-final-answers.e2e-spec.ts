import { OperatorEvents } from '../src/queue/operator-events';
import { describeEachDriver, Driver } from './support/drivers';
import {
  CONTACTS,
  quietPeriodMs,
  recordOf,
  requestsFor,
  sendContact,
  sendSigned,
  settled,
  TICKETS,
  warmApp,
} from './support/delivery-outcomes-app';
import { TestApp } from './support/test-app';
import { sleep } from './support/wait-for';
import { ENDPOINT_CASE, ENDPOINT_ROUTE, unique } from './support/webhook-cases';

/**
 * Delivery verdicts, end to end, for the CRM answers that end a delivery at once: 2xx and 409
 * (delivered) and the other 4xx (dead, with the status and a short excerpt), none retried. A signed
 * webhook goes in over HTTP, the real delivery worker sends it to the CRM sandbox over loopback,
 * and each row of the outcome table is checked in the event store and in what the sandbox saw. The
 * same tests run against each queue driver (SQLite, Redis). Answers that are retried:
 * test/delivery-outcomes-retried-answers.e2e-spec.ts; no answer at all:
 * test/delivery-outcomes-no-answer.e2e-spec.ts.
 */

describeEachDriver('delivery outcomes (%s driver)', (driver: Driver) => {
  const quietMs = quietPeriodMs(driver);

  describe('delivery outcomes (webhook to CRM sandbox)', () => {
    const { sandbox, app } = warmApp(driver, { CRM_MAX_ATTEMPTS: '3' });
    let t: TestApp;
    beforeAll(() => (t = app()));

    describe('2xx', () => {
      it('delivers with one attempt: exactly the mapped body, idempotency key, request id and bearer token', async () => {
        const id = unique('C');
        const { eventId, requestId } = await sendContact(t, id, {
          newStatus: { value: 'gold', confidence: 0.91 },
          notes: { value: 'asked for a callback' },
        });

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200, lastError: null });
        expect(event.deliveredAt).toEqual(expect.any(Number));

        const expectedBody = {
          external_id: id,
          status: 'gold',
          notes: 'asked for a callback',
          last_interaction: '2026-11-26T10:00:00.000Z',
        };
        const requests = requestsFor(sandbox, id);
        expect(requests).toHaveLength(1);
        expect(requests[0]).toMatchObject({
          method: 'POST',
          path: CONTACTS,
          idempotencyKey: `cognigy-${eventId}`,
          requestId,
          authorization: 'Bearer',
          status: 200,
        });
        expect(requests[0].body).toEqual(expectedBody);

        const record = recordOf(sandbox, 'contacts', id);
        expect(record).toMatchObject({ ...expectedBody, version: 1, applied_keys: [`cognigy-${eventId}`] });
        const { id: _crmId, version: _v, applied_keys: _k, ...fields } = record!;
        expect(fields).toEqual(expectedBody);
      });

      it.each([201, 204])('delivers on a %i answer', async (status) => {
        sandbox.inject({ status });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: status, lastError: null });
        expect(requestsFor(sandbox, id).map((r) => r.status)).toEqual([status]);
      });

      it('leaves an absent optional entity out of the body (ticket via endpoint output, contact via dialog-complete)', async () => {
        const ticketId = unique('T');
        // no `issue`: description must be absent, not ""
        const output = ENDPOINT_CASE.completion('log_support_ticket', {
          ticketId: { value: ticketId },
          priority: { value: 'high' },
        });
        const ticket = await sendSigned(t, ENDPOINT_ROUTE, output.body);

        const customerId = unique('C');
        // newStatus absent, notes empty (counts as absent): only external_id and last_interaction remain.
        const contact = await sendContact(t, customerId, { notes: { value: '' } });

        expect(await settled(t, ticket.eventId)).toMatchObject({ state: 'delivered', attempts: 1 });
        expect(await settled(t, contact.eventId)).toMatchObject({ state: 'delivered', attempts: 1 });

        const [ticketRequest] = requestsFor(sandbox, ticketId);
        expect(ticketRequest.path).toBe(TICKETS);
        expect(ticketRequest.body).toEqual({ external_id: ticketId, priority: 'high', source: 'cognigy_ai' });
        expect(recordOf(sandbox, 'tickets', ticketId)).not.toHaveProperty('description');

        const [contactRequest] = requestsFor(sandbox, customerId);
        expect(contactRequest.path).toBe(CONTACTS);
        expect(contactRequest.body).toEqual({ external_id: customerId, last_interaction: '2026-11-26T10:00:00.000Z' });
        const record = recordOf(sandbox, 'contacts', customerId);
        expect(record).not.toHaveProperty('status');
        expect(record).not.toHaveProperty('notes');
      });
    });

    it('409: delivered at once, not retried', async () => {
      sandbox.inject({ status: 409, body: { error: 'conflict', message: 'already applied' } });
      const id = unique('C');
      const { eventId } = await sendContact(t, id);

      const event = await settled(t, eventId);
      expect(event).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 409, lastError: null });
      // The history agrees with the verdict: a delivered 409 names no error.
      expect(await t.app.get(OperatorEvents).attemptsOf(eventId)).toMatchObject([{ status: 409, error: null }]);
      await sleep(quietMs);
      expect(requestsFor(sandbox, id).map((r) => r.status)).toEqual([409]);
    });

    describe.each([400, 404, 422])('%i (other 4xx)', (status) => {
      it('dead at once, with the status and an excerpt of the answer', async () => {
        sandbox.inject({ status, body: { error: 'invalid_request', message: `field status rejected (${status})` } });
        const id = unique('C');
        const { eventId } = await sendContact(t, id);

        const event = await settled(t, eventId);
        expect(event).toMatchObject({ state: 'dead', attempts: 1, lastStatus: status });
        expect(event.failedAt).toEqual(expect.any(Number));
        expect(event.lastError).toContain(String(status));
        expect(event.lastError).toContain(`field status rejected (${status})`);

        await sleep(quietMs);
        expect(requestsFor(sandbox, id).map((r) => r.status)).toEqual([status]);
        expect(recordOf(sandbox, 'contacts', id)).toBeUndefined();
      });
    });

    it('the excerpt of a long 4xx answer is short', async () => {
      const long = `bad field: ${'x'.repeat(5000)}`;
      sandbox.inject({ status: 422, body: { error: 'unprocessable', message: long } });
      const { eventId } = await sendContact(t, unique('C'));

      const event = await settled(t, eventId);
      expect(event).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 422 });
      expect(event.lastError).toContain('unprocessable');
      expect(event.lastError).toContain('bad field: xxx');
      expect(event.lastError!.length).toBeLessThan(1000);
    });
  });
});
