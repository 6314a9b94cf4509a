import { Injectable } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { CrmHealthIndicator } from './crm.health';
import { LifecycleHealthIndicator } from './lifecycle.health';
import { StoreHealthIndicator } from './store.health';

/**
 * The readiness decision, in one place: GET /health/ready answers with it, and the readiness gauge
 * reads it at scrape time, so the probe and the alert cannot disagree.
 */
@Injectable()
export class ReadinessCheck {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
    private readonly lifecycle: LifecycleHealthIndicator,
    private readonly crm: CrmHealthIndicator,
  ) {}

  /**
   * Terminus' verdict: resolves when ready, rejects with its 503 otherwise (shutting down, store
   * not writable). `withErrors`: the store's and token endpoint's error texts are shown.
   */
  run(withErrors: boolean): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.lifecycle.check('lifecycle'),
      () => this.store.check('store', withErrors),
      () => this.crm.check('crm', withErrors),
    ]);
  }

  isReady(): Promise<boolean> {
    return this.run(false).then(
      () => true,
      () => false,
    );
  }
}
