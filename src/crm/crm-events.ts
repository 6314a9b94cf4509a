import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

export type BreakerState = 'closed' | 'half-open' | 'open';

/** What happens on the CRM side, for the Metrics module to observe (it depends on Crm, not back). */
export interface CrmEventMap {
  tokenRequest: [outcome: 'success' | 'failure'];
  /** `code`: HTTP status, or `timeout` / `network`. */
  crmRequest: [objectType: string, code: string, seconds: number];
  delivered: [objectType: string, receivedAt: number];
  deadLettered: [objectType: string];
  breakerState: [state: BreakerState];
}

@Injectable()
export class CrmEvents extends EventEmitter<CrmEventMap> {}
