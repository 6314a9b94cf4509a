/*
 * A fake HubSpot account, after the vendor's documentation:
 * - Batch upsert by a unique property (POST /crm/v3/objects/<object>/batch/upsert, at most 100
 *   inputs of {idProperty, id, objectWriteTraceId, properties}; 200 with results carrying `new`
 *   and the input's objectWriteTraceId):
 *   https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/contacts/batch/upsert-contacts
 * - The request and answer schemas (properties are `additionalProperties: string`; results are
 *   SimplePublicUpsertObject, errors StandardError with `context` a map of string arrays): HubSpot's
 *   published OpenAPI spec, PublicApiSpecs/CRM/Contacts/Rollouts/424/v3/contacts.json of
 *   github.com/HubSpot/HubSpot-public-api-spec-collection
 * - Multi-status errors: only when every input carries a unique objectWriteTraceId does a batch
 *   with failing inputs answer 207, each error naming its input in `context.objectWriteTraceId`;
 *   otherwise one failing input fails the whole batch (400, nothing written). Results come back
 *   unordered (this fake answers them last input first) and hold the record's default properties,
 *   not an echo of the id property: https://developers.hubspot.com/docs/api-reference/error-handling
 * - Error bodies {status:"error", message, correlationId, category}, 401 INVALID_AUTHENTICATION,
 *   429 RATE_LIMIT (secondly limit): https://developers.hubspot.com/docs/api-reference/error-handling and
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

interface Input {
  idProperty: string;
  id: string;
  objectWriteTraceId?: string;
  properties: Record<string, string>;
}

interface HubspotRecord {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
}

/** Why an input cannot be written, or undefined. */
type InputProblem = string | undefined;

/** The request body as the OpenAPI schema has it: inputs of {id: string, properties: {string: string}}. */
function schemaProblem(body: unknown): string | undefined {
  const inputs = (body as { inputs?: unknown })?.inputs;
  if (!Array.isArray(inputs)) return 'inputs is required';
  for (const [i, input] of inputs.entries()) {
    const { id, idProperty, objectWriteTraceId, properties } = (input ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string') return `inputs[${i}].id must be a string`;
    if (idProperty !== undefined && typeof idProperty !== 'string') return `inputs[${i}].idProperty must be a string`;
    if (objectWriteTraceId !== undefined && typeof objectWriteTraceId !== 'string')
      return `inputs[${i}].objectWriteTraceId must be a string`;
    if (typeof properties !== 'object' || properties === null) return `inputs[${i}].properties is required`;
    const typed = Object.entries(properties).find(([, value]) => typeof value !== 'string');
    if (typed) return `inputs[${i}].properties.${typed[0]}: expected a string, got ${JSON.stringify(typed[1])}`;
  }
  return undefined;
}

export class HubspotFake extends FakeCrm {
  /** object → unique id value → record */
  readonly records = new Map<string, Map<string, HubspotRecord>>();
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
    const invalid = schemaProblem(body);
    if (invalid) return { status: 400, body: hubspotError('VALIDATION_ERROR', `Invalid input JSON: ${invalid}`) };
    const inputs = (body as { inputs: Input[] }).inputs;
    if (inputs.length > 100)
      return { status: 400, body: hubspotError('VALIDATION_ERROR', 'Batch input limit exceeded: 100') };
    const problems = inputs.map((input) => this.problemOf(properties, input));
    const multiStatus = inputs.every((i) => typeof i.objectWriteTraceId === 'string' && i.objectWriteTraceId !== '');
    const firstProblem = problems.find((p) => p !== undefined);
    // Without a trace id on every input, one failing input fails the batch: nothing is written.
    if (!multiStatus && firstProblem) return { status: 400, body: hubspotError('VALIDATION_ERROR', firstProblem) };
    const now = new Date().toISOString();
    const results: unknown[] = [];
    const errors: unknown[] = [];
    inputs.forEach((input, i) => {
      const problem = problems[i];
      if (problem) {
        const context = { objectWriteTraceId: [input.objectWriteTraceId as string] };
        errors.push({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: problem,
          context,
          errors: [],
          links: {},
        });
        return;
      }
      const { record, created } = this.apply(object, input, now);
      results.push({
        id: record.id,
        // The record's default properties: the spec promises no echo of what was written.
        properties: { hs_object_id: record.id, createdate: record.createdAt, lastmodifieddate: now },
        createdAt: record.createdAt,
        updatedAt: now,
        archived: false,
        new: created,
        ...(input.objectWriteTraceId === undefined ? {} : { objectWriteTraceId: input.objectWriteTraceId }),
      });
    });
    const answer = { status: 'COMPLETE', results: results.reverse(), startedAt: now, completedAt: now };
    if (errors.length === 0) return { status: 200, body: answer };
    return { status: 207, body: { ...answer, numErrors: errors.length, errors } };
  }

  private problemOf(properties: string[], input: Input): InputProblem {
    if (input.idProperty !== properties[0]) return `${input.idProperty} is not a unique property`;
    const bad = Object.entries(input.properties).find(
      ([name, value]) =>
        !properties.includes(name) || (this.rejectedValues.has(name) && this.rejectedValues.get(name) === value),
    );
    return bad ? `Property values were not valid: ${bad[0]}=${bad[1]}` : undefined;
  }

  private apply(object: string, input: Input, now: string): { record: HubspotRecord; created: boolean } {
    const store = this.records.get(object) ?? new Map<string, HubspotRecord>();
    this.records.set(object, store);
    const existing = store.get(input.id);
    const record = existing ?? {
      id: String(++this.counter),
      properties: { [input.idProperty]: input.id },
      createdAt: now,
    };
    Object.assign(record.properties, input.properties);
    this.writes.push({ object, id: input.id, properties: input.properties });
    store.set(input.id, record);
    return { record, created: !existing };
  }
}
