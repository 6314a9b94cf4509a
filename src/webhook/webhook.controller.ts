import { Controller, Req } from '@nestjs/common';
import { ApiDocs } from '../shared/api-docs';
import { CognigyWebhook } from './cognigy-webhook.decorator';
import { DialogCompleteDto } from './dto/dialog-complete.dto';
import { EndpointOutputDto } from './dto/endpoint-output.dto';
import { headerEventId } from './event-id';
import { fromDialogComplete, fromEndpointOutput } from './event-normaliser';
import { WebhookReceipt } from './webhook-answer';
import { WebhookIngestService } from './webhook-ingest.service';
import { DIALOG_COMPLETE_DOCS, ENDPOINT_OUTPUT_DOCS, SOURCE_PARAM, webhookRouteDocs } from './webhook-api-docs';
import { WebhookBody } from './webhook-body.decorator';
import { WebhookRequest } from './request/webhook-request';

/**
 * The Cognigy webhooks, on the unnamed routes (the source `default`) and on each source's
 * (`/webhooks/cognigy/<source>/…`), each step in its Nest construct: WebhookReceiptMiddleware and
 * WebhookBodyMiddleware (receipt, body within its limits), WebhookAuthGuard (401), WebhookBodyPipe
 * (JSON and DTO, 400), the handler (normalise, map, store: 422, 503), WebhookAnswerInterceptor
 * (202 or 200).
 */
@Controller('webhooks/cognigy')
export class WebhookController {
  constructor(private readonly ingest: WebhookIngestService) {}

  @CognigyWebhook('dialog-complete')
  @ApiDocs((api) => webhookRouteDocs(api, DIALOG_COMPLETE_DOCS))
  dialogComplete(@WebhookBody() body: DialogCompleteDto, @Req() req: WebhookRequest): Promise<WebhookReceipt> {
    return this.ingest.ingest(fromDialogComplete(body, headerEventId(req)), req);
  }

  @CognigyWebhook('endpoint-output')
  @ApiDocs((api) => webhookRouteDocs(api, ENDPOINT_OUTPUT_DOCS))
  endpointOutput(@WebhookBody() body: EndpointOutputDto, @Req() req: WebhookRequest): Promise<WebhookReceipt> {
    return this.ingestOutput(body, req);
  }

  // A named source's routes: the same steps, the source (req.webhookSource) resolved from the path
  // once, by WebhookBodyMiddleware, for the guard and the handler.
  @CognigyWebhook(':source/dialog-complete')
  @ApiDocs((api) => [...webhookRouteDocs(api, DIALOG_COMPLETE_DOCS), SOURCE_PARAM(api)])
  sourceDialogComplete(@WebhookBody() body: DialogCompleteDto, @Req() req: WebhookRequest): Promise<WebhookReceipt> {
    return this.dialogComplete(body, req);
  }

  @CognigyWebhook(':source/endpoint-output')
  @ApiDocs((api) => [...webhookRouteDocs(api, ENDPOINT_OUTPUT_DOCS), SOURCE_PARAM(api)])
  sourceEndpointOutput(@WebhookBody() body: EndpointOutputDto, @Req() req: WebhookRequest): Promise<WebhookReceipt> {
    return this.ingestOutput(body, req);
  }

  private async ingestOutput(body: EndpointOutputDto, req: WebhookRequest): Promise<WebhookReceipt> {
    const event = fromEndpointOutput(body, req.receivedAt, headerEventId(req));
    return event ? this.ingest.ingest(event, req) : { status: 'ignored' };
  }
}
