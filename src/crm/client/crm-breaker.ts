import { Logger } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { CrmConfig } from '../../config/crm.config';
import { Telemetry } from '../../telemetry/telemetry';
import { BreakerState } from '../../telemetry/telemetry-signals';

/** Thrown by `fire` when the breaker refuses the call: nothing was sent. */
export class BreakerOpenError extends Error {
  constructor() {
    super('CRM circuit breaker is open');
    this.name = 'BreakerOpenError';
  }
}

/**
 * The circuit breaker of one target's CRM. opossum runs the state machine: open for the cooldown,
 * then half-open with exactly one trial call, closed on its success, open again on its failure.
 * Its own trip rule is a failure percentage over a time window; ours is N consecutive failures,
 * so the percentage rule is switched off (volume threshold never reached) and we open it.
 */
export class CrmBreaker {
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private consecutiveFailures = 0;

  constructor(
    private readonly config: CrmConfig,
    telemetry: Telemetry,
  ) {
    this.breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      resetTimeout: config.breakerCooldownMs,
      timeout: false,
      volumeThreshold: Number.MAX_SAFE_INTEGER,
      errorThresholdPercentage: 100,
    });
    this.breaker.on('failure', () => this.recordFailure());
    this.breaker.on('success', () => (this.consecutiveFailures = 0));
    this.breaker.on('close', () => (this.consecutiveFailures = 0));
    if (config.timeoutMs >= config.breakerCooldownMs) {
      // A request sent before the breaker opened could then answer during half-open and decide
      // the breaker's state in place of the single probe.
      new Logger(CrmBreaker.name).warn('CRM_TIMEOUT_MS >= CRM_BREAKER_COOLDOWN_MS: keep the timeout shorter');
    }
    this.onStateChange((state) => telemetry.emit('breakerStateChanged', { state }));
  }

  /** Calls `listener` with the new state after every transition. */
  onStateChange(listener: (state: BreakerState) => void): void {
    const announce = () => listener(this.state);
    this.breaker.on('open', announce);
    this.breaker.on('halfOpen', announce);
    this.breaker.on('close', announce);
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /**
   * Runs `call` through the breaker. `call` must reject for what counts as a breaker failure
   * (408, 5xx, network, timeout) and resolve otherwise.
   */
  async fire<T>(call: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker.fire(call)) as T;
    } catch (error) {
      if ((error as { code?: string }).code === 'EOPENBREAKER') throw new BreakerOpenError();
      throw error;
    }
  }

  private recordFailure(): void {
    this.consecutiveFailures += 1;
    if (this.breaker.closed && this.consecutiveFailures >= this.config.breakerThreshold) {
      this.breaker.open();
    }
  }

  /** Last shutdown phase: in-flight CRM calls drain through the breaker before it goes. */
  shutdown(): void {
    this.breaker.shutdown();
  }
}
