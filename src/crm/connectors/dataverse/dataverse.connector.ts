import { Injectable } from '@nestjs/common';
import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmClient } from '../../client/crm-client';
import { Claimed, RecordConnector } from '../crm-connector';
import { CheckedMapping, MappingCheck, Unanswered, unanswered, whyUnanswered } from '../mapping-check';
import { EventVerdict, parseJson, verdictOf } from '../verdict';
import { errorOf, judgeDataverseAnswer } from './dataverse.answers';
import { tableDefinitionRequest, upsertRequest } from './dataverse.requests';

/**
 * CRM_CONNECTOR=dataverse (Dynamics 365): upsert by alternate key,
 * `PATCH /api/data/v9.2/<entity set>(<key>='<id>')` without If-Match, so a missing row is created.
 */
@Injectable()
export class DataverseConnector extends RecordConnector {
  constructor(private readonly client: CrmClient) {
    super();
  }

  protected async send([event]: Array<Claimed<RecordUpsert>>): Promise<EventVerdict[]> {
    const result = await this.client.send(event.upsert.objectType, upsertRequest(event));
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
    const result = await this.client.send(set, tableDefinitionRequest(set));
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
