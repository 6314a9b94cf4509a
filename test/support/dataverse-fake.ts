/*
 * A fake Dataverse (Dynamics 365) environment and its Entra ID token endpoint, after the vendor's
 * documentation:
 * - Upsert by alternate key: PATCH <entity set>(<key>='<value>') without If-Match creates or
 *   updates and answers 204 with OData-EntityId:
 *   https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
 *   and https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record
 * - Error bodies {"error":{"code","message"}}:
 *   https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
 * - Service protection limits: 429 with Retry-After (seconds):
 *   https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
 * - Table definitions: GET EntityDefinitions?$filter=EntitySetName eq '<set>' with
 *   $expand=Keys (EntityKeyMetadata: LogicalName, KeyAttributes, EntityKeyIndexStatus), answering
 *   {"value":[...]}, an empty value when no table has that entity set name:
 *   https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
 *   and https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity
 * - Entra ID client credentials (scope <environment URL>/.default; 401 invalid_client):
 *   https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * - Setting a lookup on write: "<navigation property>@odata.bind": "/<set>(<key>='<value>')";
 *   a key that is not the table's alternate key is refused with "The key in the request URI is
 *   not valid for resource ...":
 *   https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api
 *   and https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record
 * - Alternate key values match ignoring case: a key is a unique index of the SQL database, whose
 *   collation is case-insensitive in every language:
 *   https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity
 *   and https://learn.microsoft.com/power-platform/admin/language-collations
 * - Error codes: RecordNotFoundByEntityKey 0x80060891 "A record with the specified key values does
 *   not exist in {0} entity" (404, the record a bind names does not exist); a case (incident)
 *   created without its customer lookup: 0x80044410 "You should specify a parent contact or
 *   account.", with both a contact and an account: 0x8004440f (400):
 *   https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes
 *   and, for the 400/404 statuses, https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
 * - A column or a bind's navigation property the table does not have: 400 0x80048d19 "An
 *   undeclared property '...' which only has property annotations in the payload...":
 *   https://learn.microsoft.com/troubleshoot/power-platform/dataverse/dataverse-web-api-and-sdk/web-api-client-errors
 */
import { randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { FakeCrm, Reply } from './fake-crm';

/** A lookup a write sets through `<navigation property>@odata.bind`. */
export interface DataverseLookup {
  /** The lookup column; the row keeps the bound row's id as `_<column>_value`. */
  column: string;
  /** The entity set the navigation property points to. */
  set: string;
}

/** A table: its logical name, its alternate key column, its writable columns and lookups. */
export interface DataverseTable {
  logicalName: string;
  key: string;
  columns: string[];
  /** Navigation property → its lookup. */
  lookups?: Record<string, DataverseLookup>;
}

/** Entity set → its table, as an admin prepares it for the example mapping. */
export const EXAMPLE_ENVIRONMENT: Record<string, DataverseTable> = {
  contacts: {
    logicalName: 'contact',
    key: 'cognigy_customerid',
    columns: ['cognigy_status', 'description', 'cognigy_lastinteraction'],
  },
  incidents: {
    logicalName: 'incident',
    key: 'cognigy_ticketid',
    columns: ['title', 'description', 'cognigy_priority', 'cognigy_source'],
    lookups: {
      customerid_contact: { column: 'customerid', set: 'contacts' },
      customerid_account: { column: 'customerid', set: 'accounts' },
    },
  },
  accounts: { logicalName: 'account', key: 'accountnumber', columns: ['name'] },
};

const BIND = '@odata.bind';

const undeclaredProperty = (name: string): Reply => ({
  status: 400,
  body: odataError(
    '0x80048d19',
    `An undeclared property '${name}' which only has property annotations in the payload but no property value was found in the payload.`,
  ),
});

const odataError = (code: string, message: string) => ({ error: { code, message } });

export class DataverseFake extends FakeCrm {
  readonly rows = new Map<string, Map<string, Record<string, unknown>>>();
  readonly scopes: string[] = [];

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
    private readonly environment: Record<string, DataverseTable> = EXAMPLE_ENVIRONMENT,
  ) {
    super();
  }

  get tokenUrl(): string {
    return `${this.url}/tenant-0000/oauth2/v2.0/token`;
  }

  /** The row whose alternate key holds `key`, matched ignoring case as Dataverse's collation does. */
  row(set: string, key: string) {
    return this.rows.get(set)?.get(key.toLowerCase());
  }

  protected isTokenRequest(url: string): boolean {
    return url === '/tenant-0000/oauth2/v2.0/token';
  }

  protected token(_req: IncomingMessage, raw: string): Reply {
    const form = new URLSearchParams(raw);
    this.scopes.push(form.get('scope') ?? '');
    if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' },
      };
    }
    if (form.get('scope') !== `${this.url}/.default`) {
      return {
        status: 400,
        body: { error: 'invalid_scope', error_description: 'AADSTS70011: The provided value for scope is not valid.' },
      };
    }
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: this.issueToken() },
    };
  }

  protected route(req: IncomingMessage, body: unknown): Reply {
    const token = this.bearer(req);
    if (!token || !this.tokens.has(token))
      return { status: 401, body: odataError('0x8006088a', 'Authentication failed') };
    const url = req.url ?? '';
    const upsert = /^\/api\/data\/v9\.2\/([a-z_]+)\(([a-z_]+)='((?:[^']|'')*)'\)$/.exec(decodeURIComponentSafe(url));
    if (upsert && req.method === 'PATCH')
      return this.upsert(upsert[1], upsert[2], upsert[3].replace(/''/g, "'"), body as Record<string, unknown>);
    const [path, query] = url.split('?');
    if (path === '/api/data/v9.2/EntityDefinitions' && req.method === 'GET') return this.tableDefinitions(query ?? '');
    return { status: 404, body: odataError('0x80060888', 'Resource not found for the segment.') };
  }

  /** Only the query crm:check makes: one table by entity set name, with its keys. */
  private tableDefinitions(query: string): Reply {
    const filter = /^EntitySetName eq '((?:[^']|'')*)'$/.exec(new URLSearchParams(query).get('$filter') ?? '');
    if (!filter) return { status: 400, body: odataError('0x80060888', 'The query parameter $filter is not supported') };
    const set = filter[1].replace(/''/g, "'");
    const table = this.environment[set];
    if (!table) return { status: 200, body: { value: [] } };
    const key = {
      LogicalName: `${table.key}_key`,
      KeyAttributes: [table.key],
      EntityKeyIndexStatus: 'Active',
      MetadataId: '6f3c1b1e-0000-4000-8000-000000000001',
    };
    return {
      status: 200,
      body: {
        '@odata.context': `${this.url}/api/data/v9.2/$metadata#EntityDefinitions(LogicalName,EntitySetName,Keys(LogicalName,KeyAttributes,EntityKeyIndexStatus))`,
        value: [
          {
            LogicalName: table.logicalName,
            EntitySetName: set,
            MetadataId: '6f3c1b1e-0000-4000-8000-000000000000',
            Keys: [key],
          },
        ],
      },
    };
  }

  private upsert(set: string, key: string, value: string, body: Record<string, unknown>): Reply {
    const entity = this.environment[set];
    if (!entity) return { status: 404, body: odataError('0x80060888', `Resource not found for the segment '${set}'.`) };
    if (key !== entity.key)
      return { status: 400, body: odataError('0x80040217', `No alternate key named ${key} on ${set}`) };
    const fields = Object.fromEntries(Object.entries(body ?? {}).filter(([name]) => !name.endsWith(BIND)));
    const binds = Object.entries(body ?? {}).filter(([name]) => name.endsWith(BIND));
    const unknown =
      Object.keys(fields).find((c) => !entity.columns.includes(c)) ??
      binds.map(([name]) => name.slice(0, -BIND.length)).find((nav) => !entity.lookups?.[nav]);
    if (unknown) return undeclaredProperty(unknown);
    const links: Record<string, unknown> = {};
    for (const [name, target] of binds) {
      const lookup = entity.lookups![name.slice(0, -BIND.length)];
      const bound = this.boundRow(lookup, target);
      if ('status' in bound) return bound;
      if (`_${lookup.column}_value` in links) {
        return {
          status: 400,
          body: odataError('0x8004440f', 'You can either specify a parent contact or account, but not both.'),
        };
      }
      links[`_${lookup.column}_value`] = bound.id;
    }
    const rows = this.rows.get(set) ?? new Map<string, Record<string, unknown>>();
    const existing = rows.get(value.toLowerCase());
    // A case needs its customer when it is created; an update may leave it as it is.
    if (!existing && entity.logicalName === 'incident' && !('_customerid_value' in links)) {
      return { status: 400, body: odataError('0x80044410', 'You should specify a parent contact or account.') };
    }
    this.rows.set(set, rows);
    const row = existing ?? { id: randomUUID(), [key]: value };
    Object.assign(row, fields, links);
    rows.set(value.toLowerCase(), row);
    return {
      status: 204,
      headers: { 'OData-EntityId': `${this.url}/api/data/v9.2/${set}(${row.id as string})`, 'OData-Version': '4.0' },
    };
  }

  /** The row a `/<set>(<key>='<value>')` bind names, or the answer refusing it. */
  private boundRow(lookup: DataverseLookup, target: unknown): { id: string } | Reply {
    const reference =
      typeof target === 'string'
        ? /^\/?([a-z_]+)\(([a-z_]+)='((?:[^']|'')*)'\)$/.exec(decodeURIComponentSafe(target))
        : null;
    if (!reference || reference[1] !== lookup.set) {
      return { status: 400, body: odataError('0x0', 'Bad Request - Error in query syntax.') };
    }
    const table = this.environment[lookup.set];
    if (reference[2] !== table.key) {
      const type = `Microsoft.Dynamics.CRM.${table.logicalName}`;
      return {
        status: 400,
        body: odataError(
          '0x0',
          `The key in the request URI is not valid for resource '${type}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource '${type}'.`,
        ),
      };
    }
    const row = this.row(lookup.set, reference[3].replace(/''/g, "'"));
    if (!row) {
      return {
        status: 404,
        body: odataError(
          '0x80060891',
          `A record with the specified key values does not exist in ${table.logicalName} entity`,
        ),
      };
    }
    return { id: row.id as string };
  }
}

function decodeURIComponentSafe(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}
