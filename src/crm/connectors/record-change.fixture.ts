import { ChangeRendering } from '../../mapping/change-rendering';
import { LogSupportTicketStrategy } from '../../mapping/log-support-ticket.strategy';
import { UpdateCustomerProfileStrategy } from '../../mapping/update-customer-profile.strategy';
import { CrmUpsert, DialogCompletedEvent } from '../../shared/dialog-completed-event';
import { dialogEvent, entities } from '../../shared/dialog-completed-event.fixture';

/** update_customer_profile with every entity the built-in strategy reads (event time 10:00 UTC). */
export const FULL_CONTACT = dialogEvent({
  intent: 'update_customer_profile',
  timestamp: '2026-11-26T11:00:00+01:00',
  entities: entities({ customerId: 'C-1001', newStatus: 'gold', notes: 'asked for a callback' }),
});

/** log_support_ticket with every entity the built-in strategy reads, a customer id to be quoted. */
export const FULL_TICKET = dialogEvent({
  intent: 'log_support_ticket',
  entities: entities({ ticketId: 'T-77', priority: 'high', issue: 'printer on fire', customerId: "O'Brien 7" }),
});

/** Each built-in intent with its id entity only. */
export const BARE_CONTACT = dialogEvent({
  intent: 'update_customer_profile',
  entities: entities({ customerId: 'C-1' }),
});
export const BARE_TICKET = dialogEvent({ intent: 'log_support_ticket', entities: entities({ ticketId: 'T-1' }) });

const BUILT_IN = {
  update_customer_profile: new UpdateCustomerProfileStrategy(),
  log_support_ticket: new LogSupportTicketStrategy(),
};

/** The upsert `rendering` makes of the built-in strategy's change for `event`. */
export function renderedBuiltIn(rendering: ChangeRendering, event: DialogCompletedEvent): CrmUpsert {
  const strategy = BUILT_IN[event.intent as keyof typeof BUILT_IN];
  return rendering.render(strategy.map(event));
}
