import { Injectable } from '@nestjs/common';
import { DialogCompletedEvent } from '../shared/dialog-completed-event';
import { entityValue, IntentMapping, IntentStrategy, requireEntity } from './intent-strategy';
import { RecordChangeOf } from './record-change';

/** A ticket change, linked to its customer's contact where the bot names one (`customerId`). */
@Injectable()
@IntentMapping('log_support_ticket')
export class LogSupportTicketStrategy implements IntentStrategy {
  readonly objectType = 'ticket';

  map(event: DialogCompletedEvent): RecordChangeOf<'ticket'> {
    return {
      intent: event.intent,
      objectType: this.objectType,
      externalId: requireEntity(event, 'ticketId'),
      fields: {
        priority: entityValue(event, 'priority'),
        description: entityValue(event, 'issue'),
        customer: entityValue(event, 'customerId'),
      },
    };
  }
}
