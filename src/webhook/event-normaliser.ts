import { DialogCompletedEvent, EventEntity } from '../shared/dialog-completed-event';
import { DialogCompleteDto, RawEntities } from './dto/dialog-complete.dto';
import { EndpointOutputDataDto, EndpointOutputDto } from './dto/endpoint-output.dto';
import { derivedEventId, outputEventId } from './event-id';

// fromEntries defines own properties, so an entity named "__proto__" stays an entity.
function normaliseEntities(entities: RawEntities | undefined): Record<string, EventEntity> {
  return Object.fromEntries(
    Object.entries(entities ?? {}).map(([name, { value, confidence }]) => [
      name,
      { value: String(value), confidence: confidence ?? 0 },
    ]),
  );
}

/** A dialog-complete body to the one event shape; `headerId` wins over the derived id. */
export function fromDialogComplete(dto: DialogCompleteDto, headerId?: string): DialogCompletedEvent {
  return {
    eventId: headerId ?? derivedEventId(dto.conversationId, dto.intent, dto.timestamp),
    source: 'dialog-complete',
    conversationId: dto.conversationId,
    botId: dto.botId,
    status: dto.status,
    intent: dto.intent,
    entities: normaliseEntities(dto.entities),
    timestamp: dto.timestamp,
    metadata: dto.metadata ?? {},
  };
}

/**
 * A Webhook Endpoint output is a dialog completion only when `AIOutput.data.intent`
 * is present; otherwise null (plain chat text, answered "ignored"). Its id (unless a header names
 * one) comes from its `traceId` and its data, since every output of one user input shares that
 * `traceId`; without a `traceId`, from session, intent and timestamp.
 */
export function fromEndpointOutput(
  dto: EndpointOutputDto,
  receivedAt: number,
  headerId?: string,
): DialogCompletedEvent | null {
  const data = dto.AIOutput?.data;
  if (!data?.intent) return null;
  const conversationId = dto.sessionId as string;
  const timestamp = data.timestamp ?? new Date(receivedAt).toISOString();
  return {
    eventId: headerId ?? endpointOutputId(dto.AIOutput?.traceId, data, [conversationId, data.intent, timestamp]),
    source: 'endpoint-output',
    conversationId,
    botId: data.botId ?? 'unknown',
    status: data.status ?? 'completed',
    intent: data.intent,
    entities: normaliseEntities(data.entities),
    timestamp,
    metadata: { ...(data.metadata ?? {}), ...(dto.userId ? { userId: dto.userId } : {}) },
  };
}

function endpointOutputId(
  traceId: string | undefined,
  data: EndpointOutputDataDto,
  derivedFrom: Parameters<typeof derivedEventId>,
): string {
  return traceId === undefined ? derivedEventId(...derivedFrom) : outputEventId(traceId, data);
}
