import { Injectable } from '@nestjs/common';

/** Set once the process has been asked to stop; webhooks and readiness answer 503 from then on. */
@Injectable()
export class ShutdownState {
  private stopping = false;

  get shuttingDown(): boolean {
    return this.stopping;
  }

  begin(): void {
    this.stopping = true;
  }
}
