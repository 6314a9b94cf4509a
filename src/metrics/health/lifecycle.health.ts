import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ShutdownState } from '../../lifecycle/shutdown-state';

@Injectable()
export class LifecycleHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
  ) {}

  check(key: string) {
    const indicator = this.health.check(key);
    return this.shutdown.shuttingDown ? indicator.down({ shuttingDown: true }) : indicator.up();
  }
}
