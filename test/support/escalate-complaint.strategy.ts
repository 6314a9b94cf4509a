import { Injectable } from '@nestjs/common';
import { entityValue, IntentMapping, IntentStrategy, requireEntity } from '../../src/mapping/intent-strategy';
import { RecordChangeOf } from '../../src/mapping/record-change';
import { DialogCompletedEvent } from '../../src/shared/dialog-completed-event';

// The custom strategy docs/mappings.md shows (test/docs-examples.e2e-spec.ts compares them).
// <example: custom-strategy>
/**
 * A complaint becomes a ticket about the caller, urgent when the flow measured an angry caller
 * (`metadata.sentiment` at or below -0.5): a choice a mappings file cannot make.
 */
@Injectable()
@IntentMapping('escalate_complaint')
export class EscalateComplaintStrategy implements IntentStrategy {
  readonly objectType = 'ticket';

  map(event: DialogCompletedEvent): RecordChangeOf<'ticket'> {
    const { sentiment } = event.metadata;
    const angry = typeof sentiment === 'number' && sentiment <= -0.5;
    return {
      intent: event.intent,
      objectType: this.objectType,
      externalId: requireEntity(event, 'complaintId'),
      fields: {
        priority: angry ? 'urgent' : 'normal',
        description: entityValue(event, 'complaint'),
        customer: entityValue(event, 'customerId'),
      },
    };
  }
}
// </example: custom-strategy>
