import { Injectable } from '@nestjs/common';
import { ClaimedEvent } from '../../../queue/stored-event';
import { CrmClient } from '../../client/crm-client';
import { CrmConnector } from '../crm-connector';
import { CheckedMapping, MappingCheck, unknownMapping } from '../mapping-check';
import { EventVerdict, verdictOf } from '../verdict';
import { judgeGenericAnswer } from './generic.answers';
import { genericUpsertRequest } from './generic.requests';

/** CRM_CONNECTOR=generic: one POST of the mapped body to the mapping's path, with an Idempotency-Key. */
@Injectable()
export class GenericConnector extends CrmConnector {
  constructor(private readonly client: CrmClient) {
    super();
  }

  async deliver([event]: ClaimedEvent[]): Promise<EventVerdict[]> {
    const result = await this.client.send(event.upsert.objectType, genericUpsertRequest(event));
    return [verdictOf(result, judgeGenericAnswer)];
  }

  async check(mapping: CheckedMapping): Promise<MappingCheck> {
    return unknownMapping(mapping, 'the generic API has no read to check a mapping with');
  }
}
