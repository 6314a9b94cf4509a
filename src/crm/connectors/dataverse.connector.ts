import { Injectable } from '@nestjs/common';
import { ClaimedEvent } from '../../queue/stored-event';
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
import { MappingCheck } from '../crm-check';
import { CrmConnector } from './crm-connector';

const API = '/api/data/v9.2';
const ODATA = { 'OData-Version': '4.0', 'OData-MaxVersion': '4.0', Accept: 'application/json' };

/** An OData string literal in a key: `'` doubled, then percent-encoded for the URL path. */
export const keyLiteral = (id: string) => `'${encodeURIComponent(id.replace(/'/g, "''"))}'`;

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
      path: `${API}/${upsert.object}(${upsert.idField}=${keyLiteral(upsert.externalId)})`,
      headers: { ...ODATA, 'Content-Type': 'application/json', 'X-Request-Id': event.requestId },
      data: JSON.stringify(upsert.body),
    });
    return [verdictOf(result, judgeDataverseAnswer)];
  }

  async check(object: string, idField: string): Promise<MappingCheck> {
    const result = await this.client.send(object, {
      method: 'GET',
      path: `${API}/${object}?$select=${encodeURIComponent(idField)}&$top=1`,
      headers: ODATA,
    });
    if (result.kind !== 'response')
      return { object, idField, objectExists: false, idFieldExists: null, detail: `no answer (${result.kind})` };
    if (result.status === 200) return { object, idField, objectExists: true, idFieldExists: true, detail: 'ok' };
    // 404: no such entity set; 400 (0x80060888): the entity set has no such column.
    const objectExists = result.status === 400;
    return {
      object,
      idField,
      objectExists,
      idFieldExists: objectExists ? false : null,
      detail: `${result.status}: ${errorOf(result)}`,
    };
  }
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
