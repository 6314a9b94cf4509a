import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { NextFunction } from 'express';
import getRawBody from 'raw-body';
import { webhookConfig } from '../config/webhook.config';
import { ShutdownState } from '../lifecycle/shutdown-state';
import {
  InvalidPayloadError,
  PayloadTooLargeError,
  ShuttingDownError,
  UnsupportedMediaTypeError,
} from '../shared/domain-error';
import { Telemetry } from '../telemetry/telemetry';
import { WebhookRoute } from '../telemetry/telemetry-signals';
import { header, WebhookRequest } from './webhook-request';
import { answerKindOf, WebhookResponse } from './webhook-response';

const JSON_TYPE = /^application\/json\s*(;.*)?$/i;

/**
 * The transport checks, in the SPEC's order, before any auth: shutting down (503), size (413),
 * content type (415). Keeps the raw bytes for the signature check and the JSON parse.
 */
@Injectable()
export class WebhookBodyMiddleware implements NestMiddleware {
  constructor(
    @Inject(webhookConfig.KEY) private readonly config: ConfigType<typeof webhookConfig>,
    private readonly shutdown: ShutdownState,
    private readonly telemetry: Telemetry,
  ) {}

  async use(req: WebhookRequest, res: WebhookResponse, next: NextFunction): Promise<void> {
    req.receivedAtHr = process.hrtime.bigint();
    req.receivedAt = Date.now();
    res.once('finish', () => this.answered(req, res));
    try {
      if (this.shutdown.shuttingDown) throw new ShuttingDownError();
      req.rawBody = await this.read(req);
      const type = header(req, 'content-type');
      if (!type || !JSON_TYPE.test(type.trim())) throw new UnsupportedMediaTypeError(type);
      if (header(req, 'content-encoding') && header(req, 'content-encoding') !== 'identity') {
        throw new UnsupportedMediaTypeError(`content-encoding ${header(req, 'content-encoding')}`);
      }
      next();
    } catch (error) {
      next(error);
    }
  }

  private answered(req: WebhookRequest, res: WebhookResponse): void {
    const route: WebhookRoute = req.originalUrl.split('?')[0].endsWith('endpoint-output') ? 'endpoint-output' : 'dialog-complete';
    const seconds = Number(process.hrtime.bigint() - req.receivedAtHr) / 1e9;
    this.telemetry.emit('webhookAnswered', { route, kind: answerKindOf(res), seconds });
  }

  private async read(req: WebhookRequest): Promise<Buffer> {
    try {
      return await getRawBody(req, {
        length: header(req, 'content-length'),
        limit: this.config.maxBodyBytes,
      });
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large') throw new PayloadTooLargeError(this.config.maxBodyBytes);
      throw new InvalidPayloadError([`request body could not be read (${type ?? 'aborted'})`]);
    }
  }
}
