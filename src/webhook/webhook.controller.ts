import { Controller, Req } from '@nestjs/common';
import { ApiDocs } from '../shared/api-docs';
import { CognigyWebhook } from './cognigy-webhook.decorator';
import { DialogCompleteDto } from './dto/dialog-complete.dto';
import { EndpointOutputDto } from './dto/endpoint-output.dto';
import { headerEventId } from './event-id';
import { fromDialogComplete, fromEndpointOutput } from './event-normaliser';
import { WebhookReceipt } from './webhook-answer';
import { WebhookIngestService } from './webhook-ingest.service';
import {
  DIALOG_COMPLETE_EXAMPLE,
  DUPLICATE_ANSWER,
  ENDPOINT_OUTPUT_EXAMPLE,
  webhookRouteDocs,
} from './webhook-api-docs';
import { WebhookBody } from './webhook-body.decorator';
import { WebhookRequest } from './webhook-request';

/**
 * The Cognigy webhooks, each step in its Nest construct: WebhookReceiptMiddleware and
 * WebhookBodyMiddleware (receipt, body within its limits), WebhookAuthGuard (401), WebhookBodyPipe
 * (JSON and DTO, 400), the handler (normalise, map, store: 422, 503), WebhookAnswerInterceptor
 * (202 or 200).
 */
@Controller('webhooks/cognigy')
export class WebhookController {
  constructor(private readonly ingest: WebhookIngestService) {}

  @CognigyWebhook('dialog-complete')
  @ApiDocs((api) =>
    webhookRouteDocs(api, {
      summary: 'A dialog completed (HTTP Request node at the end of a flow)',
      body: DialogCompleteDto,
      example: DIALOG_COMPLETE_EXAMPLE,
      ok: DUPLICATE_ANSWER,
    }),
  )
  dialogComplete(@WebhookBody() body: DialogCompleteDto, @Req() req: WebhookRequest): Promise<WebhookReceipt> {
    return this.ingest.ingest(fromDialogComplete(body, headerEventId(req)), req);
  }

  @CognigyWebhook('endpoint-output')
  @ApiDocs((api) =>
    webhookRouteDocs(api, {
      summary: "A Webhook Endpoint's bot output (a dialog completion when AIOutput.data.intent is present)",
      body: EndpointOutputDto,
      example: ENDPOINT_OUTPUT_EXAMPLE,
      ok: {
        description: `${DUPLICATE_ANSWER.description}; or an output that is not a dialog completion (plain chat text)`,
        examples: { ...DUPLICATE_ANSWER.examples, ignored: { status: 'ignored' } },
      },
    }),
  )
  async endpointOutput(@WebhookBody() body: EndpointOutputDto, @Req() req: WebhookRequest): Promise<WebhookReceipt> {
    const event = fromEndpointOutput(body, req.receivedAt, headerEventId(req));
    return event ? this.ingest.ingest(event, req) : { status: 'ignored' };
  }
}
