import { Controller, Req, Res } from '@nestjs/common';
import { ApiDocs } from '../shared/api-docs';
import { CognigyWebhook } from './cognigy-webhook.decorator';
import { DialogCompleteDto } from './dto/dialog-complete.dto';
import { EndpointOutputDto } from './dto/endpoint-output.dto';
import { headerEventId } from './event-id';
import { fromDialogComplete, fromEndpointOutput } from './event-normaliser';
import { IngestReceipt, WebhookIngestService } from './webhook-ingest.service';
import {
  DIALOG_COMPLETE_EXAMPLE,
  DUPLICATE_ANSWER,
  ENDPOINT_OUTPUT_EXAMPLE,
  webhookRouteDocs,
} from './webhook-api-docs';
import { WebhookBody } from './webhook-body.decorator';
import { WebhookRequest } from './webhook-request';
import { WebhookResponse } from './webhook-response';

export const WEBHOOK_ROUTES = ['webhooks/cognigy/dialog-complete', 'webhooks/cognigy/endpoint-output'];

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
  async dialogComplete(
    @WebhookBody() body: DialogCompleteDto,
    @Req() req: WebhookRequest,
    @Res({ passthrough: true }) res: WebhookResponse,
  ) {
    const event = fromDialogComplete(body, headerEventId(req));
    return answer(res, await this.ingest.ingest(event, req, res));
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
  async endpointOutput(
    @WebhookBody() body: EndpointOutputDto,
    @Req() req: WebhookRequest,
    @Res({ passthrough: true }) res: WebhookResponse,
  ) {
    const event = fromEndpointOutput(body, req.receivedAt, headerEventId(req));
    if (!event) {
      res.status(200);
      res.locals.answerKind = 'ignored';
      return { status: 'ignored' };
    }
    return answer(res, await this.ingest.ingest(event, req, res));
  }
}

function answer(res: WebhookResponse, receipt: IngestReceipt) {
  res.status(receipt.status === 'accepted' ? 202 : 200);
  res.locals.answerKind = receipt.status;
  return receipt;
}
