import { Injectable } from '@nestjs/common';
import { ClaimedEvent } from '../../queue/stored-event';
import { CrmClient } from '../client/crm-client';
import { CrmAnswer, deliveredVerdict, EventVerdict, refusedVerdict, Verdict, verdictOf } from '../delivery/verdict';
import { CheckedMapping, MappingCheck, unknownMapping } from '../crm-check';
import { CrmConnector, idempotencyKey } from './crm-connector';

/** The original design's table: 2xx and 409 delivered, 429 after Retry-After, 408/5xx/401 retried, other 4xx dead. */
export function judgeGenericAnswer(answer: CrmAnswer): Verdict {
  const { status, excerpt } = answer;
  if ((status >= 200 && status < 300) || status === 409) return deliveredVerdict(status);
  const error = `CRM answered ${status}: ${excerpt}`;
  return refusedVerdict(answer, error);
}

/** CRM_CONNECTOR=generic: one POST of the mapped body to the mapping's path, with an Idempotency-Key. */
@Injectable()
export class GenericConnector extends CrmConnector {
  readonly name = 'generic';
  readonly maxBatchSize = 1;

  constructor(private readonly client: CrmClient) {
    super();
  }

  async deliver([event]: ClaimedEvent[]): Promise<EventVerdict[]> {
    const { upsert } = event;
    const result = await this.client.send(upsert.objectType, {
      method: upsert.method,
      path: upsert.path as string,
      data: JSON.stringify(upsert.body),
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'Idempotency-Key': idempotencyKey(event),
        'X-Request-Id': event.requestId,
      },
    });
    return [verdictOf(result, judgeGenericAnswer)];
  }

  async check(mapping: CheckedMapping): Promise<MappingCheck> {
    return unknownMapping(mapping, 'the generic API has no read to check a mapping with');
  }
}
