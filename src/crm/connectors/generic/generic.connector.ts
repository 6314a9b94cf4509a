import { Injectable } from '@nestjs/common';
import { PathUpsert } from '../../../shared/dialog-completed-event';
import { CrmClient } from '../../client/crm-client';
import { Claimed, PathConnector } from '../crm-connector';
import { CheckedMapping, MappingCheck, unknownMapping } from '../mapping-check';
import { EventVerdict, verdictOf } from '../verdict';
import { judgeGenericAnswer } from './generic.answers';
import { genericUpsertRequest } from './generic.requests';

/** CRM_CONNECTOR=generic: one POST of the mapped body to the mapping's path, with an Idempotency-Key. */
@Injectable()
export class GenericConnector extends PathConnector {
  constructor(private readonly client: CrmClient) {
    super();
  }

  protected async send([event]: Array<Claimed<PathUpsert>>): Promise<EventVerdict[]> {
    const result = await this.client.send(event.upsert.objectType, genericUpsertRequest(event));
    return [verdictOf(result, judgeGenericAnswer)];
  }

  async check(mapping: CheckedMapping): Promise<MappingCheck> {
    return unknownMapping(mapping, 'the generic API has no read to check a mapping with');
  }
}
