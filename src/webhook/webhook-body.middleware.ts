import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { NextFunction } from 'express';
import getRawBody from 'raw-body';
import { webhookConfig } from '../config/webhook.config';
import { ShuttingDownError } from '../lifecycle/lifecycle-errors';
import { ShutdownState } from '../lifecycle/shutdown-state';
import { WebhookAuthenticator } from './auth/webhook-authenticator';
import { PendingBodyBudget } from './pending-body-budget';
import {
  BodyTimeoutError,
  InvalidPayloadError,
  PayloadTooLargeError,
  PendingBodiesFullError,
  UnsupportedMediaTypeError,
} from './request/webhook-errors';
import { WebhookResponse } from './webhook-answer';
import { header, WebhookRequest } from './request/webhook-request';
import { WebhookSources } from './request/webhook-sources';

const JSON_TYPE = /^application\/json\s*(;.*)?$/i;
/** After a 408 the sender may still be writing; its connection is cut this long after the answer. */
const DROP_AFTER_ANSWER_MS = 1000;

/**
 * Reads a webhook's body within its limits, in the documented order, before the guard
 * authenticates it: shutting down (503), the source the path names (404, resolved here once for
 * every later step), size (413), content type (415). Keeps the raw bytes for
 * the signature check and the JSON parse (WebhookBodyPipe). A body is read only if the
 * pending-bytes budget has room for it (else 503, before reading), and must arrive within
 * WEBHOOK_BODY_TIMEOUT_MS (else 408, dropped). The one exception to the order of Nest's steps:
 * `authenticateBeforeReading`.
 */
@Injectable()
export class WebhookBodyMiddleware implements NestMiddleware {
  constructor(
    @Inject(webhookConfig.KEY) private readonly config: ConfigType<typeof webhookConfig>,
    private readonly shutdown: ShutdownState,
    private readonly authenticator: WebhookAuthenticator,
    private readonly pending: PendingBodyBudget,
    private readonly sources: WebhookSources,
  ) {}

  async use(req: WebhookRequest, res: WebhookResponse, next: NextFunction): Promise<void> {
    try {
      if (this.shutdown.shuttingDown) throw new ShuttingDownError();
      req.webhookSource = this.sources.of(req);
      this.checkDeclaredLength(req);
      if (this.authenticator.decidesFromHeaders(req)) this.authenticateBeforeReading(req);
      else this.reservePendingBytes(req, res);
      req.rawBody = await this.read(req, res);
      this.checkContentType(req);
      next();
    } catch (error) {
      next(error);
    }
  }

  /**
   * The exception: when every auth mode of the request's source decides from the headers alone, the sender is
   * authenticated (401) here, after the content type (415), before a byte of its body is read or
   * held; the guard then finds it authenticated. So an unauthenticated sender cannot make the
   * service buffer or wait for anything.
   */
  private authenticateBeforeReading(req: WebhookRequest): void {
    this.checkContentType(req);
    this.authenticator.authenticate(req);
  }

  private checkDeclaredLength(req: WebhookRequest): void {
    const declared = Number(header(req, 'content-length'));
    if (declared > this.config.maxBodyBytes) throw new PayloadTooLargeError(this.config.maxBodyBytes);
  }

  /**
   * The body will be held before its sender is known: room for its declared length (for a chunked
   * body, the most it may be) is reserved until the answer is written or the connection ends.
   * Without room, a 503 goes out at once and the body is never read.
   */
  private reservePendingBytes(req: WebhookRequest, res: WebhookResponse): void {
    const declared = Number(header(req, 'content-length') ?? 0);
    const length = req.headers['transfer-encoding'] === undefined ? declared : this.config.maxBodyBytes;
    const release = this.pending.reserve(req.socket.remoteAddress ?? '', length);
    if (!release) {
      this.dropAfterAnswer(req, res);
      throw new PendingBodiesFullError();
    }
    res.once('close', release);
  }

  private checkContentType(req: WebhookRequest): void {
    const type = header(req, 'content-type');
    if (!type || !JSON_TYPE.test(type.trim())) throw new UnsupportedMediaTypeError(type);
    const encoding = header(req, 'content-encoding');
    if (encoding && encoding !== 'identity') throw new UnsupportedMediaTypeError(`content-encoding ${encoding}`);
  }

  private async read(req: WebhookRequest, res: WebhookResponse): Promise<Buffer> {
    const reading = getRawBody(req, { length: header(req, 'content-length'), limit: this.config.maxBodyBytes });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BodyTimeoutError(this.config.bodyTimeoutMs)), this.config.bodyTimeoutMs);
    });
    try {
      return await Promise.race([reading, deadline]);
    } catch (error) {
      if (error instanceof BodyTimeoutError) {
        reading.catch(() => undefined);
        this.dropAfterAnswer(req, res);
        throw error;
      }
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large') throw new PayloadTooLargeError(this.config.maxBodyBytes);
      throw new InvalidPayloadError([`request body could not be read (${type ?? 'aborted'})`]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The answer goes out with `Connection: close`; whatever the sender still writes is discarded,
   * and the socket is destroyed shortly after, however slowly the sender goes on.
   */
  private dropAfterAnswer(req: WebhookRequest, res: WebhookResponse): void {
    res.setHeader('Connection', 'close');
    req.resume();
    res.once('finish', () => setTimeout(() => req.socket.destroy(), DROP_AFTER_ANSWER_MS).unref());
  }
}
