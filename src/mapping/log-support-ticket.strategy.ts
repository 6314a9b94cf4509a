import { Injectable } from '@nestjs/common';
import { DeclarativeStrategy } from './declarative.strategy';
import { IntentMapping } from './intent-strategy';

/** A ticket upsert, marked as coming from the bot. */
@Injectable()
@IntentMapping('log_support_ticket')
export class LogSupportTicketStrategy extends DeclarativeStrategy {
  constructor() {
    super({
      objectType: 'ticket',
      path: '/api/v2/tickets/upsert',
      idEntity: 'ticketId',
      minConfidence: 0,
      fields: {
        external_id: { entity: 'ticketId' },
        priority: { entity: 'priority' },
        description: { entity: 'issue' },
        source: { literal: 'cognigy_ai' },
      },
    });
  }
}
