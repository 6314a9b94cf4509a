/*
 * A fake Salesforce org, after the vendor's documentation:
 * - OAuth 2.0 client credentials flow (token answer with instance_url, no expires_in):
 *   https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
 * - Upsert a record by external id (201 created / 200 updated with {id, success, errors, created};
 *   300 with the matching records' URLs when several match; 404 for an unknown object or field):
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
 * - Upsert with sObject collections (PATCH composite/sobjects/<object>/<idField>, at most 200
 *   records, one UpsertResult per record in request order, 400 for a malformed request):
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
 * - Error bodies `[{"message","errorCode"}]`, 401 INVALID_SESSION_ID, 403 REQUEST_LIMIT_EXCEEDED:
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 * - A create missing a field that is not nillable and has no default (Contact.LastName) answers 400
 *   REQUIRED_FIELD_MISSING (per record in a collection); an update need not carry it:
 *   https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm
 * - External ID fields match case-insensitively unless also "Unique, case sensitive" (not modelled):
 *   https://help.salesforce.com/s/articleView?id=sf.custom_field_attributes.htm
 * - sObject describe: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
 * - An external id in a record URL whose last part is a top-level domain that is also a file
 *   format extension (`example@email.inc`) answers "404 not found"; the body of a collection has
 *   no such reading. The set of such suffixes is unstated: this fake takes any `.` and 2-4 letters.
 *   https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_upsert_patch.htm
 */
import { IncomingMessage } from 'node:http';
import { FakeCrm, Reply } from './fake-crm';

export interface SalesforceObject {
  /** Fields that may be written. */
  fields: string[];
  /** Of those, the ones marked External ID (usable for upsert). */
  externalIds: string[];
  /** Fields a create must carry (not nillable, no default). */
  required?: string[];
}

export interface SalesforceRecord {
  Id: string;
  [field: string]: unknown;
}

/** The standard objects the example mapping uses, with the custom fields an admin creates for it. */
export const EXAMPLE_ORG: Record<string, SalesforceObject> = {
  Contact: {
    fields: ['LastName', 'Status__c', 'Description', 'Last_Interaction__c', 'Cognigy_Customer_Id__c'],
    externalIds: ['Cognigy_Customer_Id__c'],
    required: ['LastName'],
  },
  Case: {
    fields: ['Subject', 'Priority', 'Description', 'Origin', 'Cognigy_Ticket_Id__c'],
    externalIds: ['Cognigy_Ticket_Id__c'],
  },
};

const error = (errorCode: string, message: string) => [{ message, errorCode }];

export class SalesforceFake extends FakeCrm {
  readonly records = new Map<string, SalesforceRecord[]>();
  /** Values a field refuses, as a validation rule would (FIELD_CUSTOM_VALIDATION_EXCEPTION). */
  readonly rejectedValues = new Map<string, unknown>();
  /** Upserts applied per record, in the order they were applied: `<object>/<externalId>` → field values. */
  readonly writes: Array<{ object: string; externalId: string; fields: Record<string, unknown> }> = [];
  /** The instance_url the token answer names instead of this org's own URL (a misconfigured or hostile endpoint). */
  instanceUrl?: string;
  private idCounter = 0;

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly org: Record<string, SalesforceObject> = EXAMPLE_ORG,
  ) {
    super();
  }

  get tokenUrl(): string {
    return `${this.url}/services/oauth2/token`;
  }

  /** Adds a record directly (e.g. two records with one external id, for the 300 answer). */
  seed(object: string, fields: Record<string, unknown>): SalesforceRecord {
    const record = { Id: this.newId(object), ...fields };
    this.records.set(object, [...(this.records.get(object) ?? []), record]);
    return record;
  }

  /** The records whose `idField` matches `externalId`, case-insensitively as an External ID does. */
  find(object: string, idField: string, externalId: string): SalesforceRecord[] {
    const wanted = externalId.toLowerCase();
    return (this.records.get(object) ?? []).filter((r) => String(r[idField]).toLowerCase() === wanted);
  }

  protected isTokenRequest(url: string): boolean {
    return url === '/services/oauth2/token';
  }

  protected token(_req: IncomingMessage, raw: string): Reply {
    const form = new URLSearchParams(raw);
    if (form.get('grant_type') !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' } };
    }
    if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
      return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client credentials' } };
    }
    const issuedAt = String(Date.now());
    return {
      status: 200,
      body: {
        access_token: this.issueToken(),
        signature: 'c2lnbmF0dXJl',
        scope: 'api',
        instance_url: this.instanceUrl ?? this.url,
        id: `${this.url}/id/00D000000000001/005000000000001`,
        token_type: 'Bearer',
        issued_at: issuedAt,
      },
    };
  }

  protected route(req: IncomingMessage, body: unknown): Reply {
    const token = this.bearer(req);
    if (!token || !this.tokens.has(token))
      return { status: 401, body: error('INVALID_SESSION_ID', 'Session expired or invalid') };
    const path = decodeURI((req.url ?? '').split('?')[0]);
    let match = /^\/services\/data\/v\d+\.\d\/sobjects\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    if (match && req.method === 'PATCH') {
      if (/\.[A-Za-z]{2,4}$/.test(match[3]))
        return { status: 404, body: error('NOT_FOUND', 'The requested resource does not exist') };
      return this.upsertOne(match[1], match[2], decodeURIComponent(match[3]), body as Record<string, unknown>);
    }
    match = /^\/services\/data\/v\d+\.\d\/composite\/sobjects\/([^/]+)\/([^/]+)$/.exec(path);
    if (match && req.method === 'PATCH') return this.upsertCollection(match[1], match[2], body);
    match = /^\/services\/data\/v\d+\.\d\/sobjects\/([^/]+)\/describe$/.exec(path);
    if (match && req.method === 'GET') return this.describe(match[1]);
    return { status: 404, body: error('NOT_FOUND', 'The requested resource does not exist') };
  }

  private describe(object: string): Reply {
    const schema = this.org[object];
    if (!schema) return { status: 404, body: error('NOT_FOUND', 'The requested resource does not exist') };
    const fields = ['Id', ...schema.fields].map((name) => ({ name, externalId: schema.externalIds.includes(name) }));
    return { status: 200, body: { name: object, fields } };
  }

  private upsertOne(object: string, idField: string, externalId: string, fields: Record<string, unknown>): Reply {
    const schema = this.org[object];
    if (!schema) return { status: 404, body: error('NOT_FOUND', 'The requested resource does not exist') };
    if (!schema.externalIds.includes(idField)) {
      return {
        status: 404,
        body: error('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${idField}`),
      };
    }
    const matches = this.find(object, idField, externalId);
    if (matches.length > 1) {
      return { status: 300, body: matches.map((r) => `/services/data/v62.0/sobjects/${object}/${r.Id}`) };
    }
    const problem =
      this.validate(object, schema, fields ?? {}) ?? this.missingOnCreate(schema, fields ?? {}, matches[0]);
    if (problem) return { status: 400, body: [problem] };
    const result = this.apply(object, idField, externalId, fields ?? {}, matches[0]);
    return { status: result.created ? 201 : 200, body: result };
  }

  private upsertCollection(object: string, idField: string, body: unknown): Reply {
    const schema = this.org[object];
    if (!schema) return { status: 404, body: error('NOT_FOUND', 'The requested resource does not exist') };
    const records = (body as { records?: Array<Record<string, unknown>> })?.records;
    if (!Array.isArray(records)) return { status: 400, body: error('JSON_PARSER_ERROR', 'records is required') };
    if (records.length > 200) return { status: 400, body: error('EXCEEDED_ID_LIMIT', 'record limit exceeded: 200') };
    const results = records.map((record) => {
      const { attributes, [idField]: externalId, ...fields } = record;
      if ((attributes as { type?: string })?.type !== object) {
        return {
          success: false,
          errors: [{ statusCode: 'INVALID_TYPE', message: 'attributes.type must match the URI', fields: [] }],
        };
      }
      const matches = this.find(object, idField, String(externalId));
      if (matches.length > 1) {
        return {
          success: false,
          errors: [
            {
              statusCode: 'DUPLICATE_EXTERNAL_ID',
              message: `${idField}: more than one record found for external id`,
              fields: [idField],
            },
          ],
        };
      }
      const problem = this.validate(object, schema, fields) ?? this.missingOnCreate(schema, fields, matches[0]);
      if (problem)
        return { success: false, errors: [{ statusCode: problem.errorCode, message: problem.message, fields: [] }] };
      return this.apply(object, idField, String(externalId), fields, matches[0]);
    });
    return { status: 200, body: results };
  }

  private validate(object: string, schema: SalesforceObject, fields: Record<string, unknown>) {
    for (const [name, value] of Object.entries(fields)) {
      if (!schema.fields.includes(name))
        return { errorCode: 'INVALID_FIELD', message: `No such column '${name}' on sobject of type ${object}` };
      if (this.rejectedValues.has(name) && this.rejectedValues.get(name) === value) {
        return { errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: `${name} does not accept ${String(value)}` };
      }
    }
    return undefined;
  }

  /** A create (no record matched) without a required field. */
  private missingOnCreate(schema: SalesforceObject, fields: Record<string, unknown>, existing?: SalesforceRecord) {
    const missing = existing
      ? []
      : (schema.required ?? []).filter((name) => fields[name] == null || fields[name] === '');
    if (missing.length === 0) return undefined;
    return { errorCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${missing.join(', ')}]` };
  }

  private apply(
    object: string,
    idField: string,
    externalId: string,
    fields: Record<string, unknown>,
    existing?: SalesforceRecord,
  ) {
    this.writes.push({ object, externalId, fields });
    if (existing) {
      Object.assign(existing, fields);
      return { id: existing.Id, success: true, errors: [], created: false };
    }
    const record = this.seed(object, { ...fields, [idField]: externalId });
    return { id: record.Id, success: true, errors: [], created: true };
  }

  private newId(object: string): string {
    const prefix = object === 'Contact' ? '003' : object === 'Case' ? '500' : 'a00';
    return `${prefix}${String(++this.idCounter).padStart(15, '0')}`;
  }
}
