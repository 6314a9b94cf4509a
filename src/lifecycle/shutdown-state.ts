import { Injectable, OnModuleDestroy } from '@nestjs/common';

/**
 * Set once the application starts closing (first shutdown phase). From then on webhooks and
 * readiness answer 503 while in-flight CRM calls drain and the listener still serves.
 */
@Injectable()
export class ShutdownState implements OnModuleDestroy {
  private stopping = false;

  get shuttingDown(): boolean {
    return this.stopping;
  }

  begin(): void {
    this.stopping = true;
  }

  onModuleDestroy(): void {
    this.begin();
  }
}
