import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { appConfig } from '../config/app.config';
import { OperatorEvents } from '../queue/operator-events';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Dead letters deleted per listing; the next listing starts again from the oldest. */
const PAGE = 200;
/** A pass stops after this many listings and goes on at the next one (the store stays responsive). */
const MAX_PAGES_PER_PASS = 50;
const MAX_PERIOD_MS = 60 * 60 * 1000;

/**
 * DEAD_LETTER_RETENTION_DAYS: dead letters that failed longer ago than that are deleted, at start
 * and then every hour (or every retention period, when that is shorter), through the operators'
 * port, so both drivers behave alike and several instances may prune at once. Unset: kept until
 * an operator replays or deletes them.
 */
@Injectable()
export class DeadLetterRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeadLetterRetention.name);
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;

  constructor(
    @Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>,
    private readonly events: OperatorEvents,
  ) {}

  onApplicationBootstrap(): void {
    const days = this.config.deadLetterRetentionDays;
    if (days === undefined) return;
    const periodMs = Math.max(1, Math.min(MAX_PERIOD_MS, Math.round(days * DAY_MS)));
    this.schedule(0, periodMs);
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** Deletes the dead letters that failed before `now` minus the retention; returns how many. */
  async prune(now = Date.now()): Promise<number> {
    const days = this.config.deadLetterRetentionDays;
    if (days === undefined) return 0;
    const failedBefore = now - days * DAY_MS;
    let deleted = 0;
    for (let page = 0; page < MAX_PAGES_PER_PASS; page++) {
      const { items } = await this.events.listDead(PAGE, undefined, { failedBefore });
      if (items.length === 0) break;
      for (const event of items) if (await this.events.deleteDead(event.eventId)) deleted++;
      if (items.length < PAGE) break;
    }
    if (deleted > 0) {
      this.logger.log(
        `DEAD_LETTER_RETENTION_DAYS=${days}: deleted ${deleted} dead letter(s) failed before ${new Date(failedBefore).toISOString()}`,
      );
    }
    return deleted;
  }

  private schedule(delayMs: number, periodMs: number): void {
    this.timer = setTimeout(() => {
      this.pass = this.prune()
        .catch((error: Error) => this.logger.warn(`Dead-letter retention pass failed: ${error.message}`))
        .then(() => {
          if (this.timer) this.schedule(periodMs, periodMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
