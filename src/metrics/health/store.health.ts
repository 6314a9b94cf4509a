import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { StoreHealth } from '../../queue/store-health';

/** Ready only while an event could be stored durably right now. */
@Injectable()
export class StoreHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly store: StoreHealth,
  ) {}

  async check(key: string) {
    const indicator = this.health.check(key);
    try {
      await this.store.checkWritable();
      return indicator.up({ writable: true });
    } catch {
      return indicator.down({ writable: false });
    }
  }
}
