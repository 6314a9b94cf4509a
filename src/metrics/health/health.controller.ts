import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CrmHealthIndicator } from './crm.health';
import { LifecycleHealthIndicator } from './lifecycle.health';
import { StoreHealthIndicator } from './store.health';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
    private readonly lifecycle: LifecycleHealthIndicator,
    private readonly crm: CrmHealthIndicator,
  ) {}

  /** Up while the process serves HTTP, shutting down included. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** 503 while shutting down or when the store cannot be written. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.lifecycle.check('lifecycle'),
      () => this.store.check('store'),
      () => this.crm.check('crm'),
    ]);
  }
}
