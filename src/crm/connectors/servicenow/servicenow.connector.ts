import { Injectable } from '@nestjs/common';
import { RecordUpsert } from '../../../shared/dialog-completed-event';
import { CrmClient, CrmResult } from '../../client/crm-client';
import { Claimed, RecordConnector } from '../crm-connector';
import { CheckedMapping, MappingCheck } from '../mapping-check';
import { attemptsUsed, EventVerdict, verdictOf } from '../verdict';
import { foundRecord, judgeWrite, refusedAnswer } from './servicenow.answers';
import { checkMapping } from './servicenow.check';
import { lookupRequest, writeRequest } from './servicenow.requests';

/**
 * CRM_CONNECTOR=servicenow: the Table API, an upsert by a correlation field. `GET
 * /api/now/table/<table>?sysparm_query=<idField>=<id>&sysparm_limit=2`, then `PATCH
 * /api/now/table/<table>/<sys_id>` for the one record found, or `POST /api/now/table/<table>` when
 * none. Both requests count as attempts; the write's answer decides.
 */
@Injectable()
export class ServiceNowConnector extends RecordConnector {
  constructor(private readonly client: CrmClient) {
    super();
  }

  protected async send([event]: Array<Claimed<RecordUpsert>>): Promise<EventVerdict[]> {
    return [await this.upsert(event)];
  }

  private async upsert(event: Claimed<RecordUpsert>): Promise<EventVerdict> {
    const { objectType } = event.upsert;
    const lookup = await this.client.send(objectType, lookupRequest(event));
    if (lookup.kind !== 'response') return verdictOf(lookup, refusedAnswer);
    const found = foundRecord(lookup, event.upsert);
    if ('verdict' in found) return verdictOf(lookup, () => found.verdict);
    const created = found.existing === undefined;
    const write = await this.client.send(objectType, writeRequest(event, found.existing));
    return afterLookup(
      lookup,
      verdictOf(write, (answer) => judgeWrite(answer, created)),
    );
  }

  /** The table read, then the id field and written fields among its columns (sys_db_object, sys_dictionary). */
  check(mapping: CheckedMapping): Promise<MappingCheck> {
    return checkMapping(mapping, (path) =>
      this.client.send(mapping.object, { method: 'GET', path, headers: { Accept: 'application/json' } }),
    );
  }
}

/** The write's verdict, the lookup's request counted before it and shown first in the history. */
const afterLookup = (lookup: CrmResult, write: EventVerdict): EventVerdict => ({
  ...write,
  attempts: attemptsUsed(lookup) + write.attempts,
  requests: [...lookup.requests, ...write.requests],
});
