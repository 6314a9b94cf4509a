import { Injectable, OnModuleInit } from '@nestjs/common';
import { Telemetry } from '../../telemetry/telemetry';

/** What readiness shows of the resets this instance noticed (Redis lost the store's keys). */
export interface StoreResetsSeen {
  count: number;
  /** The latest: when it was noticed, and the events this instance believed queued then. */
  latest: { at: string; believedQueued: number } | null;
}

/** Keeps the store resets the Queue module reported, for the readiness details. */
@Injectable()
export class StoreResets implements OnModuleInit {
  private seen: StoreResetsSeen = { count: 0, latest: null };

  constructor(private readonly telemetry: Telemetry) {}

  onModuleInit(): void {
    this.telemetry.on('storeResetNoticed', ({ believedQueued }) => {
      this.seen = { count: this.seen.count + 1, latest: { at: new Date().toISOString(), believedQueued } };
    });
  }

  current(): StoreResetsSeen {
    return this.seen;
  }
}
