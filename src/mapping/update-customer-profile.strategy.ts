import { Injectable } from '@nestjs/common';
import { DialogCompletedEvent } from '../shared/dialog-completed-event';
import { normaliseEventTime } from '../shared/event-time';
import { entityValue, IntentMapping, IntentStrategy, requireEntity } from './intent-strategy';
import { RecordChangeOf } from './record-change';

/** A contact change; `last_interaction` is the event time, never the processing time. */
@Injectable()
@IntentMapping('update_customer_profile')
export class UpdateCustomerProfileStrategy implements IntentStrategy {
  readonly objectType = 'contact';

  map(event: DialogCompletedEvent): RecordChangeOf<'contact'> {
    return {
      intent: event.intent,
      objectType: this.objectType,
      externalId: requireEntity(event, 'customerId'),
      fields: {
        status: entityValue(event, 'newStatus'),
        notes: entityValue(event, 'notes'),
        last_interaction: normaliseEventTime(event.timestamp),
      },
    };
  }
}
