import { Injectable } from '@nestjs/common';
import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { normaliseEventTime } from '../shared/event-time';
import { definedFields, entityValue, IntentMapping, IntentStrategy, requireEntity } from './intent-strategy';

@Injectable()
@IntentMapping('update_customer_profile')
export class UpdateCustomerProfileStrategy implements IntentStrategy {
  readonly intent = 'update_customer_profile';

  map(event: DialogCompletedEvent): CrmUpsert {
    const externalId = requireEntity(event, 'customerId');
    return {
      intent: this.intent,
      objectType: 'contact',
      method: 'POST',
      path: '/api/v2/contacts/upsert',
      externalId,
      body: definedFields({
        external_id: externalId,
        status: entityValue(event, 'newStatus'),
        notes: entityValue(event, 'notes'),
        last_interaction: normaliseEventTime(event.timestamp),
      }),
    };
  }
}
