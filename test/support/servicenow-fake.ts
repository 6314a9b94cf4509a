/*
 * A fake ServiceNow instance, after the vendor's pages:
 * - Table API: GET /api/now/table/<table> (records in `result`, an empty array when none match,
 *   X-Total-Count), PATCH /api/now/table/<table>/<sys_id> (200, 404 when no such record), POST
 *   /api/now/table/<table> (201, Location); sysparm_fields on each; a body's fields a table does
 *   not have are not stored: https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
 *   (queries, columns and tables: servicenow-tables.ts)
 * - Accept on every request and Content-Type with a body, else 400; Basic or OAuth on every request:
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/c_RESTAPI.html
 * - Status codes (400 "the operation failed", 401, 403 "ACL failures", 404, 405):
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/r_RESTAPIHTTPResponseCodes.html
 *   and `/api/now/table/invalidResource` 400 "Valid resource but an invalid table", a read the
 *   user's roles do not allow 403 "Requesting user has insufficient privileges" (the page's words,
 *   used as the fake's detail): https://www.servicenow.com/docs/r/api-reference/web-services/c_APIAnalyticsCollectClean.html
 * - Error bodies {"error":{"message","detail"},"status":"failure"}:
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/c_CustomWebServices.html;
 *   401 "User Not Authenticated" / "Required to provide Auth information":
 *   https://www.servicenow.com/docs/r/platform-security/authentication/add-OIDC-entity.html;
 *   the 404 "No Record found" and 403 "ACL Exception Insert|Update Failed due to security
 *   constraints" texts as integrators quote them (not on ServiceNow's pages):
 *   https://support.okta.com/help/s/article/ServiceNow-Provisioning-Error-Record-Doesnt-Exist-Or-ACL-Restricts-The-Record-Retrieval
 * - OAuth client credentials: POST /oauth_token.do, grant_type, client_id and client_secret in the
 *   form; the answer {access_token, scope, token_type: Bearer, expires_in: 1799}:
 *   https://www.servicenow.com/docs/r/platform-security/authentication/client-credentials-grant-workflow.html
 *   and https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/r_RESTOAuthExample.html;
 *   refused with 401 {"error":"server_error","error_description":"access_denied"} as integrators
 *   report it (not on ServiceNow's pages)
 * - Rate limit rules: requests per hour; a request a rule matches carries X-RateLimit-Limit,
 *   X-RateLimit-Reset (Unix time) and X-RateLimit-Rule; past the limit 429 with Retry-After
 *   (seconds) and "Rate limit exceeded"; an admin may reset the count:
 *   https://www.servicenow.com/docs/r/api-reference/rest-api-explorer/inbound-REST-API-rate-limiting.html
 */
import { randomBytes } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { FakeCrm, Reply } from './fake-crm';
import { columnsOf, dictionaryRows, EXAMPLE_TABLES, Row, select, shown, Table } from './servicenow-tables';

export type Operation = 'read' | 'create' | 'write';

const failure = (status: number, message: string, detail: string | null): Reply => ({
  status,
  body: { error: { message, detail }, status: 'failure' },
});
const NOT_AUTHENTICATED = failure(401, 'User Not Authenticated', 'Required to provide Auth information');
const ACL_DETAIL = { create: 'ACL Exception Insert Failed', write: 'ACL Exception Update Failed' };
const RULE_ID = '0c1a2b3c4d5e6f708192a3b4c5d6e7f8';
/** Tables the instance describes itself in, read like any other. */
const DICTIONARY_COLUMNS: Record<string, string[]> = {
  sys_db_object: ['name', 'super_class.name'],
  sys_dictionary: ['name', 'element'],
};

export interface ServiceNowCredentials {
  /** CRM_AUTH=basic: the integration user. */
  user?: { name: string; password: string };
  /** OAuth client credentials: an Application Registry entry. */
  client?: { id: string; secret: string };
}

export class ServiceNowFake extends FakeCrm {
  readonly rows = new Map<string, Row[]>();
  /** Operations the integration user's ACLs refuse, per table. */
  readonly denied = new Map<string, Operation[]>();
  /** The form of each token request, as sent. */
  readonly tokenForms: Array<Record<string, string>> = [];
  private rule?: { limit: number; count: number; refused: number; resetAfter: number };

  constructor(
    readonly credentials: ServiceNowCredentials,
    readonly tables: Record<string, Table> = EXAMPLE_TABLES,
  ) {
    super();
  }

  get tokenUrl(): string {
    return `${this.url}/oauth_token.do`;
  }

  /** The records of `table` whose `column` holds `value` (compared as ServiceNow does, ignoring case). */
  find(table: string, column: string, value: string): Row[] {
    return (this.rows.get(table) ?? []).filter((row) => row[column]?.toLowerCase() === value.toLowerCase());
  }

  /** A record created at the instance (by an agent, another integration); resolves its sys_id. */
  insert(table: string, fields: Row): string {
    return this.create(table, fields).sys_id;
  }

  /**
   * A rate limit rule for every user: `limit` requests per hour, counted from now. With
   * `resetAfter`, an admin resets the count once the rule has refused that many requests.
   */
  limitRequests(limit: number, resetAfter = Infinity): void {
    this.rule = { limit, count: 0, refused: 0, resetAfter };
  }

  /** An admin resets the rule's count (and its violations) for the current hour. */
  resetRateLimit(): void {
    if (this.rule) Object.assign(this.rule, { count: 0, refused: 0 });
  }

  removeRateLimit(): void {
    this.rule = undefined;
  }

  protected isTokenRequest(url: string): boolean {
    return url.split('?')[0] === '/oauth_token.do';
  }

  protected token(req: IncomingMessage, raw: string): Reply {
    const form = new URLSearchParams(raw);
    this.tokenForms.push(Object.fromEntries(form));
    const { client } = this.credentials;
    const granted =
      req.method === 'POST' &&
      form.get('grant_type') === 'client_credentials' &&
      client !== undefined &&
      form.get('client_id') === client.id &&
      form.get('client_secret') === client.secret;
    if (!granted) return { status: 401, body: { error_description: 'access_denied', error: 'server_error' } };
    return {
      status: 200,
      body: { access_token: this.issueToken(), scope: 'useraccount', token_type: 'Bearer', expires_in: 1799 },
    };
  }

  protected route(req: IncomingMessage, body: unknown): Reply {
    if (!this.authenticated(req)) return NOT_AUTHENTICATED;
    const limited = this.rateLimit();
    if (limited.status === 429) return limited;
    const reply = this.table(req, body);
    return { ...reply, headers: { ...reply.headers, ...limited.headers } };
  }

  private authenticated(req: IncomingMessage): boolean {
    const { user } = this.credentials;
    const basic = user && `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`;
    if (basic && req.headers.authorization === basic) return true;
    const token = this.bearer(req);
    return token !== undefined && this.tokens.has(token);
  }

  /** The rule's headers for a request it lets through, or its 429. */
  private rateLimit(): Reply {
    if (!this.rule) return { status: 200 };
    const now = Date.now() / 1000;
    const reset = Math.ceil(now / 3600) * 3600;
    const headers = {
      'X-RateLimit-Limit': String(this.rule.limit),
      'X-RateLimit-Reset': String(reset),
      'X-RateLimit-Rule': RULE_ID,
    };
    if (this.rule.count >= this.rule.limit) {
      if (++this.rule.refused >= this.rule.resetAfter) this.resetRateLimit();
      const detail = `Rate limit of ${this.rule.limit} requests per hour for Table API exceeded`;
      const refused = failure(429, 'Rate limit exceeded', detail);
      return { ...refused, headers: { ...headers, 'Retry-After': String(Math.ceil(reset - now)) } };
    }
    this.rule.count++;
    return { status: 200, headers };
  }

  private table(req: IncomingMessage, body: unknown): Reply {
    const url = new URL(req.url ?? '/', 'http://instance');
    const match = /^\/api\/now\/table\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return failure(400, 'Requested URI does not represent any resource', null);
    const [, table, sysId] = match;
    if (!(req.headers.accept ?? '').includes('application/json')) return failure(400, 'Accept header required', null);
    const columns = DICTIONARY_COLUMNS[table] ?? (this.tables[table] ? columnsOf(this.tables, table) : undefined);
    if (!columns) return failure(400, `Invalid table ${table}`, null);
    const fields = url.searchParams.get('sysparm_fields');
    if (req.method === 'GET' && sysId === undefined) return this.list(table, columns, url.searchParams);
    if (req.method !== 'POST' && req.method !== 'PATCH') return failure(405, 'Method not Supported', null);
    if (!(req.headers['content-type'] ?? '').includes('application/json') || typeof body !== 'object' || !body)
      return failure(400, 'Request body must be a JSON object with Content-Type application/json', null);
    const values = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]));
    if (req.method === 'POST' && sysId === undefined) {
      if (this.refuses(table, 'create')) return this.aclFailure('create');
      const row = this.create(table, values);
      const location = `${this.url}/api/now/table/${table}/${row.sys_id}`;
      return { status: 201, body: { result: shown(row, columns, fields) }, headers: { Location: location } };
    }
    const row = sysId !== undefined ? this.rows.get(table)?.find((r) => r.sys_id === sysId) : undefined;
    if (!row) return failure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    if (this.refuses(table, 'write')) return this.aclFailure('write');
    Object.assign(row, this.known(table, values));
    return { status: 200, body: { result: shown(row, columns, fields) } };
  }

  private list(table: string, columns: string[], params: URLSearchParams): Reply {
    if (this.refuses(table, 'read'))
      return failure(403, 'Operation Failed', 'Requesting user has insufficient privileges');
    const rows = dictionaryRows(this.tables)[table] ?? this.rows.get(table) ?? [];
    const result = select(rows, columns, params);
    return { status: 200, body: { result }, headers: { 'X-Total-Count': String(result.length) } };
  }

  private refuses(table: string, operation: Operation): boolean {
    return this.denied.get(table)?.includes(operation) ?? false;
  }

  private aclFailure(operation: 'create' | 'write'): Reply {
    return failure(403, 'Operation Failed', `${ACL_DETAIL[operation]} due to security constraints`);
  }

  /** The values of columns the table has: ServiceNow sets no field a table lacks. */
  private known(table: string, values: Row): Row {
    const columns = columnsOf(this.tables, table).filter((c) => c !== 'sys_id');
    return Object.fromEntries(Object.entries(values).filter(([column]) => columns.includes(column)));
  }

  private create(table: string, values: Row): Row {
    const row = { ...this.known(table, values), sys_id: randomBytes(16).toString('hex') };
    this.rows.set(table, [...(this.rows.get(table) ?? []), row]);
    return row;
  }
}
