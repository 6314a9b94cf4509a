import { Injectable } from '@nestjs/common';
import { CrmUpsert, DialogCompletedEvent } from '../shared/dialog-completed-event';
import { definedFields, entityValue, IntentMapping, IntentStrategy, requireEntity } from './intent-strategy';

@Injectable()
@IntentMapping('log_support_ticket')
export class LogSupportTicketStrategy implements IntentStrategy {
  readonly intent = 'log_support_ticket';

  map(event: DialogCompletedEvent): CrmUpsert {
    const externalId = requireEntity(event, 'ticketId');
    return {
      intent: this.intent,
      objectType: 'ticket',
      method: 'POST',
      path: '/api/v2/tickets/upsert',
      externalId,
      body: definedFields({
        external_id: externalId,
        priority: entityValue(event, 'priority'),
        description: entityValue(event, 'issue'),
        source: 'cognigy_ai',
      }),
    };
  }
}
