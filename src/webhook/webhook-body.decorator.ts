import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { WebhookBodyPipe } from './dto/webhook-body.pipe';
import { WebhookRequest } from './request/webhook-request';

const RawWebhookBody = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<WebhookRequest>().rawBody,
);

/** The route's body as its DTO (the parameter's type), parsed and validated by WebhookBodyPipe. */
export const WebhookBody = () => RawWebhookBody(WebhookBodyPipe);
