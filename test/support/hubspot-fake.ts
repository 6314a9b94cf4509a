/*
 * A fake HubSpot account, after the vendor's documentation:
 * - Batch upsert by a unique property (POST /crm/v3/objects/<object>/batch/upsert, inputs of
 *   {idProperty, id, properties}, at most 100; 200 with results carrying `new`, 207 with results and
 *   errors[] whose context.ids name the failed inputs):
 *   https://developers.hubspot.com/docs/api-reference/latest/crm/objects/contacts/batch/upsert-contacts
 * - Error bodies {status:"error", message, correlationId, category}, 401 INVALID_AUTHENTICATION,
 *   429 RATE_LIMIT (secondly limit): https://developers.hubspot.com/docs/api/error-handling and
 *   https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details
 * - Private-app tokens (a static bearer token): https://developers.hubspot.com/docs/guides/apps/private-apps/overview
 * - Read a property: https://developers.hubspot.com/docs/api-reference/latest/crm/properties/get-property
 */
import { IncomingMessage } from 'node:http';
import { FakeCrm, Reply } from './fake-crm';

/** Object → its writable properties; the first is the unique-value property an admin created. */
export const EXAMPLE_ACCOUNT: Record<string, string[]> = {
  contacts: ['cognigy_customer_id', 'cognigy_status', 'cognigy_notes', 'cognigy_last_interaction', 'email'],
  tickets: ['cognigy_ticket_id', 'subject', 'content', 'cognigy_priority', 'hs_pipeline', 'hs_pipeline_stage'],
};

const hubspotError = (category: string, message: string) => ({
  status: 'error',
  message,
  correlationId: 'c0ffee00-0000-4000-8000-000000000000',
  category,
});

export class HubspotFake extends FakeCrm {
  /** object → unique id value → record */
  readonly records = new Map<string, Map<string, { id: string; properties: Record<string, unknown> }>>();
  readonly rejectedValues = new Map<string, unknown>();
  /** Inputs applied, in the order they were applied. */
  readonly writes: Array<{ object: string; id: string; properties: Record<string, unknown> }> = [];
  private counter = 1000;

  constructor(
    private readonly privateAppToken: string,
    private readonly account: Record<string, string[]> = EXAMPLE_ACCOUNT,
  ) {
    super();
  }

  record(object: string, id: string) {
    return this.records.get(object)?.get(id);
  }

  /** Inputs carried by each batch upsert seen. */
  batchSizes(): number[] {
    return this.apiRequests()
      .filter((r) => r.url.endsWith('/batch/upsert'))
      .map((r) => (r.body as { inputs: unknown[] }).inputs.length);
  }

  protected isTokenRequest(): boolean {
    return false;
  }

  protected token(): Reply {
    return { status: 404 };
  }

  protected route(req: IncomingMessage, body: unknown): Reply {
    if (this.bearer(req) !== this.privateAppToken) {
      return { status: 401, body: hubspotError('INVALID_AUTHENTICATION', 'Authentication credentials not found.') };
    }
    const url = req.url ?? '';
    let match = /^\/crm\/v3\/objects\/([^/]+)\/batch\/upsert$/.exec(url);
    if (match && req.method === 'POST') return this.batchUpsert(match[1], body);
    match = /^\/crm\/v3\/properties\/([^/]+)\/([^/?]+)$/.exec(url);
    if (match && req.method === 'GET') return this.property(match[1], decodeURIComponent(match[2]));
    return { status: 404, body: hubspotError('OBJECT_NOT_FOUND', 'Not found') };
  }

  private property(object: string, name: string): Reply {
    const properties = this.account[object];
    if (!properties?.includes(name)) {
      return {
        status: 404,
        body: hubspotError('OBJECT_NOT_FOUND', `Unable to find property ${name} for object ${object}`),
      };
    }
    return { status: 200, body: { name, type: 'string', hasUniqueValue: properties[0] === name } };
  }

  private batchUpsert(object: string, body: unknown): Reply {
    const properties = this.account[object];
    if (!properties)
      return { status: 400, body: hubspotError('VALIDATION_ERROR', `Unable to infer object type from: ${object}`) };
    const inputs = (body as { inputs?: Array<{ idProperty: string; id: string; properties: Record<string, unknown> }> })
      ?.inputs;
    if (!Array.isArray(inputs))
      return { status: 400, body: hubspotError('VALIDATION_ERROR', 'Invalid input JSON: inputs is required') };
    if (inputs.length > 100)
      return { status: 400, body: hubspotError('VALIDATION_ERROR', 'Batch input limit exceeded: 100') };
    const results: unknown[] = [];
    const errors: unknown[] = [];
    const now = new Date().toISOString();
    for (const input of inputs) {
      if (input.idProperty !== properties[0]) {
        errors.push({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: `${input.idProperty} is not a unique property`,
          context: { ids: [input.id] },
        });
        continue;
      }
      const bad = Object.entries(input.properties).find(
        ([name, value]) =>
          !properties.includes(name) || (this.rejectedValues.has(name) && this.rejectedValues.get(name) === value),
      );
      if (bad) {
        errors.push({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: `Property values were not valid: ${bad[0]}=${String(bad[1])}`,
          context: { ids: [input.id] },
        });
        continue;
      }
      const store = this.records.get(object) ?? new Map();
      this.records.set(object, store);
      const existing = store.get(input.id);
      const record = existing ?? { id: String(++this.counter), properties: { [input.idProperty]: input.id } };
      Object.assign(record.properties, input.properties);
      this.writes.push({ object, id: input.id, properties: input.properties });
      store.set(input.id, record);
      results.push({
        id: record.id,
        properties: { ...record.properties },
        createdAt: now,
        updatedAt: now,
        archived: false,
        new: !existing,
      });
    }
    const answer = { status: 'COMPLETE', results, startedAt: now, completedAt: now };
    if (errors.length === 0) return { status: 200, body: answer };
    return { status: 207, body: { ...answer, numErrors: errors.length, errors } };
  }
}
