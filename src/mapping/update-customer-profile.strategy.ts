import { Injectable } from '@nestjs/common';
import { DeclarativeStrategy } from './declarative.strategy';
import { IntentMapping } from './intent-strategy';

/** A contact upsert; `last_interaction` is the event time, never the processing time. */
@Injectable()
@IntentMapping('update_customer_profile')
export class UpdateCustomerProfileStrategy extends DeclarativeStrategy {
  constructor() {
    super({
      objectType: 'contact',
      path: '/api/v2/contacts/upsert',
      idEntity: 'customerId',
      minConfidence: 0,
      fields: {
        external_id: { entity: 'customerId' },
        status: { entity: 'newStatus' },
        notes: { entity: 'notes' },
        last_interaction: { event: 'timestamp' },
      },
    });
  }
}
