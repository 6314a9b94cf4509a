import { Injectable } from '@nestjs/common';
import { ClaimedEvent } from '../../queue/stored-event';
import { odataKeyLiteral } from '../../shared/odata-key';
import { CrmClient } from '../client/crm-client';
import {
  refusedVerdict,
  CrmAnswer,
  deliveredVerdict,
  EventVerdict,
  parseJson,
  Verdict,
  verdictOf,
} from '../delivery/verdict';
import { CheckedMapping, MappingCheck, Unanswered, unanswered, whyUnanswered } from '../crm-check';
import { CrmConnector } from './crm-connector';

const API = '/api/data/v9.2';
const ODATA = { 'OData-Version': '4.0', 'OData-MaxVersion': '4.0', Accept: 'application/json' };

const errorOf = (answer: CrmAnswer) => {
  const error = (parseJson(answer.body) as { error?: { code?: string; message?: string } })?.error;
  return error?.code ? `${error.code}: ${error.message ?? ''}`.trim().slice(0, 300) : answer.excerpt;
};

/**
 * CRM_CONNECTOR=dataverse (Dynamics 365): upsert by alternate key,
 * `PATCH /api/data/v9.2/<entity set>(<key>='<id>')` without If-Match, so a missing row is created.
 */
@Injectable()
export class DataverseConnector extends CrmConnector {
  readonly name = 'dataverse';
  readonly maxBatchSize = 1;

  constructor(private readonly client: CrmClient) {
    super();
  }

  async deliver([event]: ClaimedEvent[]): Promise<EventVerdict[]> {
    const { upsert } = event;
    const result = await this.client.send(upsert.objectType, {
      method: 'PATCH',
      path: `${API}/${upsert.object}(${upsert.idField}=${odataKeyLiteral(upsert.externalId)})`,
      headers: { ...ODATA, 'Content-Type': 'application/json', 'X-Request-Id': event.requestId },
      data: JSON.stringify(upsert.body),
    });
    return [verdictOf(result, judgeDataverseAnswer)];
  }

  /**
   * One metadata read: the table whose entity set is `object`, with its alternate keys. The id
   * field must be the one column of an active key: an upsert by any other column fails. Each
   * bound field's table is read the same way: its key must be an active key too, or every bind
   * fails.
   */
  async check(mapping: CheckedMapping): Promise<MappingCheck> {
    const { object, idField } = mapping;
    const read = await this.readTable(object);
    if ('unanswered' in read) return unanswered(mapping, read.unanswered);
    const found = { object, idField, missingFields: [] };
    if ('missing' in read) return { ...found, objectExists: false, idFieldExists: null, detail: read.missing };
    const keyProblem = problemWithKey(read.table, idField);
    const bindProblems = await this.bindProblems(mapping.binds ?? []);
    const problems = [...(keyProblem ? [keyProblem] : []), ...bindProblems.map((b) => `${b.field}: ${b.problem}`)];
    return {
      ...found,
      objectExists: true,
      idFieldExists: keyProblem === undefined,
      missingFields: bindProblems.map(({ field }) => field),
      detail: problems.join('; ') || 'ok',
    };
  }

  /** Each bound field whose table does not have the key it names, and why. */
  private async bindProblems(binds: NonNullable<CheckedMapping['binds']>) {
    const problems: Array<{ field: string; problem: string }> = [];
    for (const { field, entitySet, key } of binds) {
      const read = await this.readTable(entitySet);
      const problem =
        'table' in read
          ? problemWithKey(read.table, key)
          : 'missing' in read
            ? read.missing
            : whyUnanswered(read.unanswered);
      if (problem) problems.push({ field, problem });
    }
    return problems;
  }

  /** The table whose entity set is `set`, or why it could not be had. */
  private async readTable(
    set: string,
  ): Promise<{ table: TableDefinition } | { missing: string } | { unanswered: Unanswered }> {
    const filter = encodeURIComponent(`EntitySetName eq '${set.replace(/'/g, "''")}'`);
    const result = await this.client.send(set, {
      method: 'GET',
      path: `${API}/EntityDefinitions?$filter=${filter}&$select=LogicalName,EntitySetName&$expand=Keys($select=LogicalName,KeyAttributes,EntityKeyIndexStatus)`,
      headers: ODATA,
    });
    if (result.kind !== 'response') return { unanswered: result };
    if (result.status !== 200) return { missing: `${result.status}: ${errorOf(result)}` };
    const table = (parseJson(result.body) as { value?: TableDefinition[] } | undefined)?.value?.[0];
    return table ? { table } : { missing: `no table has the entity set ${set}` };
  }
}

/** Why `column` is not an active alternate key of `table`, or undefined when it is. */
function problemWithKey(table: TableDefinition, column: string): string | undefined {
  const key = (table.Keys ?? []).find((k) => k.KeyAttributes?.length === 1 && k.KeyAttributes[0] === column);
  if (!key) {
    const keys = (table.Keys ?? []).map((k) => `${k.LogicalName} (${(k.KeyAttributes ?? []).join(', ')})`);
    return `no alternate key of ${table.LogicalName} is the column ${column}; keys: ${keys.join('; ') || 'none'}`;
  }
  // A new key's index is built in the background; upserts (and binds) by it fail until it is Active.
  if (key.EntityKeyIndexStatus !== 'Active') {
    return `alternate key ${key.LogicalName} is ${key.EntityKeyIndexStatus}, not Active`;
  }
  return undefined;
}

/** The part of an EntityDefinitions answer the check reads. */
interface TableDefinition {
  LogicalName: string;
  Keys?: Array<{ LogicalName: string; KeyAttributes?: string[]; EntityKeyIndexStatus?: string }>;
}

/** 204 (or 201/200 with a representation) delivered; 400/404/412 dead with error.code; 429 after Retry-After. */
export function judgeDataverseAnswer(answer: CrmAnswer): Verdict {
  const { status } = answer;
  if (status === 204 || status === 201 || status === 200) {
    // OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/contacts(<guid>)
    const id = /\(([0-9a-fA-F-]{36})\)\s*$/.exec(answer.headers['odata-entityid'] ?? '')?.[1] ?? null;
    return deliveredVerdict(status, { crmRecordId: id, created: status === 204 ? null : status === 201 });
  }
  const error = `CRM answered ${status}: ${errorOf(answer)}`;
  return refusedVerdict(answer, error);
}
