import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { webhookConfig } from '../config/webhook.config';

/**
 * What a pending request costs at least, whatever length it declares: its parser, request and
 * response objects and socket buffers. Without it, thousands of tiny half-sent bodies would fit.
 */
export const MIN_PENDING_CHARGE = 16 * 1024;

/**
 * Bytes held for webhook bodies read before their sender is authenticated (the `hmac` and
 * `standard` modes sign the body, so it must be read first). The whole is capped
 * (WEBHOOK_MAX_PENDING_BYTES), and so is each client address's share
 * (WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT), so one sender cannot take the whole budget.
 */
@Injectable()
export class PendingBodyBudget {
  private held = 0;
  private readonly heldByClient = new Map<string, number>();

  constructor(@Inject(webhookConfig.KEY) private readonly config: ConfigType<typeof webhookConfig>) {}

  /** Bytes held now, for all clients. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Reserves `bytes` (at least MIN_PENDING_CHARGE) for `client`; the returned function gives them
   * back (once, however often it is called). Null, and nothing reserved, when either cap would be passed.
   */
  reserve(client: string, bytes: number): (() => void) | null {
    const charge = Math.max(bytes, MIN_PENDING_CHARGE);
    const clientHeld = this.heldByClient.get(client) ?? 0;
    if (this.held + charge > this.config.maxPendingBytes) return null;
    if (clientHeld + charge > this.config.maxPendingBytesPerClient) return null;
    this.held += charge;
    this.heldByClient.set(client, clientHeld + charge);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= charge;
      const left = (this.heldByClient.get(client) ?? charge) - charge;
      if (left > 0) this.heldByClient.set(client, left);
      else this.heldByClient.delete(client);
    };
  }
}
