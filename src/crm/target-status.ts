import { BreakerState } from '../telemetry/telemetry-signals';
import { TokenState } from './token/token-provider';

/** What one target's runtime reports of itself right now. */
export interface TargetReport {
  /** Its name in the routing (`default` without ROUTES_FILE). */
  name: string;
  /** Its connector's name in the registry. */
  connector: string;
  breaker: BreakerState;
  token: TokenState;
  /** CRM requests of its delivery worker in flight now. */
  activeDeliveries: number;
  /** Its CRM_CONCURRENCY: the most it lets in flight at once. */
  concurrency: number;
}

/**
 * What the Crm module tells others about each target it delivers to (health details, admin
 * stats, metrics), in routing order. Queue depth per target is the store's (OperatorEvents).
 */
export abstract class TargetStatus {
  abstract targets(): TargetReport[];
}
