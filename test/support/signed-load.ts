import { call } from './service-process';
import { signedEvent } from './signing';
import { sleep } from './wait-for';

const DIALOG = '/webhooks/cognigy/dialog-complete';

/** One answer the sender got (status 0: no answer, the connection failed or was cut). */
export interface Answer {
  /** When the try was sent and when its answer came (epoch ms). */
  sentAt: number;
  at: number;
  status: number;
  port: number;
}

/** One event as the sender saw it: every try and its answer. */
export interface SentEvent {
  /** Its event id (X-Cognigy-Event-Id) and the key of its contact, C-<key>, at the CRM. */
  key: string;
  answers: Answer[];
}

export interface LoadOptions {
  /** Instances to send to, in turn (a load balancer); a try that gets no answer moves to the next. */
  ports: number[];
  secret: string;
  perSecond: number;
  durationMs: number;
  /** Tag in every event key, so runs on one CRM never collide. */
  tag: string;
  /** A 503 is retried after its Retry-After (±20 %, so retries do not come in waves), at most this long. */
  maxRetryDelayMs?: number;
  /** Tries per event before the sender gives up. */
  maxTries?: number;
  /** A try unanswered after this long counts as a hang (status -1) and fails the run's checks. */
  hangMs?: number;
}

/** An answer after which the sender has delivered its event: accepted, or a duplicate of it. */
export const isSettled = (status: number) => status === 202 || status === 200;

/**
 * An open-loop sender of signed dialog completions, each with its own event id and contact, as
 * Cognigy and a load balancer would send them: `perSecond` new events for `durationMs`, a 503
 * (or no answer) retried, the next try on the next instance.
 */
export class SignedLoad {
  readonly events: SentEvent[] = [];
  readonly startedAt = Date.now();
  private readonly tries: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  /** Sends the whole run; resolves once every event has settled or run out of tries. */
  async run(): Promise<void> {
    const { perSecond, durationMs, tag } = this.options;
    const total = Math.round((perSecond * durationMs) / 1000);
    const started = Date.now();
    while (this.events.length < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) * perSecond) / 1000) + 1);
      while (this.events.length < due) {
        const event: SentEvent = { key: `${tag}-${this.events.length}`, answers: [] };
        this.events.push(event);
        this.tries.push(this.deliver(event, this.events.length));
      }
      await sleep(5);
    }
    await Promise.all(this.tries);
  }

  private async deliver(event: SentEvent, turn: number): Promise<void> {
    const { ports, secret, maxRetryDelayMs = 5000, maxTries = 20, hangMs = 30_000 } = this.options;
    const { raw, headers } = signedEvent(secret, event.key);
    for (let attempt = 0; attempt < maxTries; attempt++) {
      const port = ports[(turn + attempt) % ports.length];
      let status: number;
      // No answer at all (an instance gone): the next instance, at once, as a load balancer would.
      let retryAfterMs = 100;
      const sentAt = Date.now();
      try {
        const reply = await call(port, 'POST', DIALOG, { raw, headers, timeoutMs: hangMs });
        status = reply.status;
        const seconds = Number(reply.headers['retry-after']);
        if (status === 503 && Number.isFinite(seconds)) retryAfterMs = seconds * 1000;
      } catch (error) {
        status = /timed out/.test((error as Error).message) ? -1 : 0;
      }
      event.answers.push({ sentAt, at: Date.now(), status, port });
      if (status !== 503 && status !== 0) return;
      await sleep(Math.min(retryAfterMs, maxRetryDelayMs) * (0.8 + Math.random() * 0.4));
    }
  }

  /** Events whose first settled answer was a 202 (the ones the service took responsibility for). */
  accepted(): SentEvent[] {
    return this.events.filter((e) => e.answers.some((a) => isSettled(a.status)));
  }

  /** How many answers had each status, over every try. */
  statusCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const answer of this.events.flatMap((e) => e.answers)) {
      counts[answer.status] = (counts[answer.status] ?? 0) + 1;
    }
    return counts;
  }

  /** Every answer of the run, in the order they came. */
  answers(): Answer[] {
    return this.events.flatMap((e) => e.answers).sort((a, b) => a.at - b.at);
  }

  /**
   * From `at` (a kill): when the first refusal (503, no answer) came, and the first 202 to a try
   * sent after it (the service accepting again), epoch ms; null when there was none.
   */
  outageAfter(at: number): { firstRefusal: number | null; acceptedAgain: number | null } {
    const after = this.answers().filter((a) => a.at >= at);
    const refusal = after.find((a) => a.status !== 202 && a.status !== 200);
    if (!refusal) return { firstRefusal: null, acceptedAgain: null };
    const again = after.find((a) => a.status === 202 && a.sentAt >= refusal.at);
    return { firstRefusal: refusal.at, acceptedAgain: again?.at ?? null };
  }
}
