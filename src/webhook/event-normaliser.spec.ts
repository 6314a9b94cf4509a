import { createHash } from 'node:crypto';
import { DialogCompleteDto } from './dto/dialog-complete.dto';
import { sampleDialog } from './dto/dialog-complete.fixture';
import { EndpointOutputDto } from './dto/endpoint-output.dto';
import { fromDialogComplete, fromEndpointOutput } from './event-normaliser';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The sample as the DTO the controller hands over. */
const dialog = (overrides: Partial<DialogCompleteDto> = {}) => sampleDialog(overrides) as unknown as DialogCompleteDto;

const RECEIVED_AT = Date.parse('2026-11-26T12:34:56.789Z');

const output = (data: Record<string, unknown> | undefined, extra: Partial<EndpointOutputDto> = {}) =>
  ({
    userId: 'user123',
    sessionId: 'session123',
    AIOutput: { text: 'Done.', data, traceId: 'endpoint-httpIncomingMessage-83b5', source: 'bot' },
    ...extra,
  }) as EndpointOutputDto;

describe('fromDialogComplete', () => {
  it('maps the documented example to the one event shape', () => {
    expect(fromDialogComplete(dialog())).toEqual({
      eventId: sha256('conv-8f2c\nupdate_customer_profile\n2026-11-26T10:00:00Z'),
      source: 'dialog-complete',
      conversationId: 'conv-8f2c',
      botId: 'bot-support-eu',
      status: 'completed',
      intent: 'update_customer_profile',
      entities: {
        customerId: { value: 'C-1001', confidence: 0.98 },
        newStatus: { value: 'gold', confidence: 0.91 },
      },
      timestamp: '2026-11-26T10:00:00Z',
      metadata: { channel: 'voice' },
    });
  });

  it('uses the header id when given', () => {
    expect(fromDialogComplete(dialog(), 'idem-1').eventId).toBe('idem-1');
  });

  it('keeps the timestamp exactly as received', () => {
    const event = fromDialogComplete(dialog({ timestamp: '2026-11-26T11:00:00+01:00' }));
    expect(event.timestamp).toBe('2026-11-26T11:00:00+01:00');
    expect(event.eventId).toBe(sha256('conv-8f2c\nupdate_customer_profile\n2026-11-26T11:00:00+01:00'));
  });

  it('turns number and boolean values into strings', () => {
    const event = fromDialogComplete(
      dialog({
        entities: {
          a: { value: 1001 },
          b: { value: 0 },
          c: { value: 2.5, confidence: 1 },
          d: { value: true },
          e: { value: false },
          f: { value: '' },
        },
      }),
    );
    expect(event.entities).toEqual({
      a: { value: '1001', confidence: 0 },
      b: { value: '0', confidence: 0 },
      c: { value: '2.5', confidence: 1 },
      d: { value: 'true', confidence: 0 },
      e: { value: 'false', confidence: 0 },
      f: { value: '', confidence: 0 },
    });
  });

  it('defaults confidence to 0 but keeps an explicit 0 and 1', () => {
    const event = fromDialogComplete(
      dialog({ entities: { a: { value: 'x' }, b: { value: 'y', confidence: 0 }, c: { value: 'z', confidence: 1 } } }),
    );
    expect(event.entities.a.confidence).toBe(0);
    expect(event.entities.b.confidence).toBe(0);
    expect(event.entities.c.confidence).toBe(1);
  });

  it('defaults absent entities and metadata to {}', () => {
    const dto = dialog();
    delete dto.entities;
    delete dto.metadata;
    const event = fromDialogComplete(dto);
    expect(event.entities).toEqual({});
    expect(event.metadata).toEqual({});
  });

  it('does not share or mutate the DTO entities', () => {
    const dto = dialog({ entities: { a: { value: 5 } } });
    const event = fromDialogComplete(dto);
    expect(dto.entities).toEqual({ a: { value: 5 } });
    expect(event.entities.a).not.toBe(dto.entities!.a);
  });
});

describe('fromEndpointOutput', () => {
  it('is null for plain chat output (no data, or data without an intent)', () => {
    expect(fromEndpointOutput(output(undefined), RECEIVED_AT)).toBeNull();
    expect(fromEndpointOutput(output({ entities: {} }), RECEIVED_AT)).toBeNull();
    expect(fromEndpointOutput(output({ intent: '' }), RECEIVED_AT)).toBeNull();
    expect(fromEndpointOutput({ userId: 'u', sessionId: 's' }, RECEIVED_AT)).toBeNull();
  });

  it('maps a dialog completion: sessionId is the conversation, the id from traceId and data', () => {
    const event = fromEndpointOutput(
      output({
        intent: 'log_support_ticket',
        entities: { ticketId: { value: 'T-77' }, priority: { value: 2, confidence: 0.7 } },
        status: 'done',
        timestamp: '2026-11-26T10:00:00Z',
        botId: 'bot-1',
        metadata: { channel: 'webchat' },
      }),
      RECEIVED_AT,
    );
    expect(event).toEqual({
      eventId: sha256(
        'endpoint-httpIncomingMessage-83b5\n{"botId":"bot-1","entities":{"priority":{"confidence":0.7,"value":2},' +
          '"ticketId":{"value":"T-77"}},"intent":"log_support_ticket","metadata":{"channel":"webchat"},' +
          '"status":"done","timestamp":"2026-11-26T10:00:00Z"}',
      ),
      source: 'endpoint-output',
      conversationId: 'session123',
      botId: 'bot-1',
      status: 'done',
      intent: 'log_support_ticket',
      entities: { ticketId: { value: 'T-77', confidence: 0 }, priority: { value: '2', confidence: 0.7 } },
      timestamp: '2026-11-26T10:00:00Z',
      metadata: { channel: 'webchat', userId: 'user123' },
    });
  });

  it('two outputs of one input (one traceId) with different data have different ids', () => {
    const ticket = fromEndpointOutput(output({ intent: 'log_support_ticket' }), RECEIVED_AT)!;
    const contact = fromEndpointOutput(output({ intent: 'update_customer_profile' }), RECEIVED_AT)!;
    expect(ticket.eventId).not.toBe(contact.eventId);
  });

  it('defaults botId, status and timestamp to "unknown", "completed" and the receipt time', () => {
    const event = fromEndpointOutput(output({ intent: 'log_support_ticket' }), RECEIVED_AT)!;
    expect(event.botId).toBe('unknown');
    expect(event.status).toBe('completed');
    expect(event.timestamp).toBe('2026-11-26T12:34:56.789Z');
    expect(event.entities).toEqual({});
    expect(event.metadata).toEqual({ userId: 'user123' });
  });

  it('a header id wins over the derived id', () => {
    expect(fromEndpointOutput(output({ intent: 'log_support_ticket' }), RECEIVED_AT, 'idem-1')!.eventId).toBe('idem-1');
  });

  it('without a traceId, the id is the hash of sessionId, intent and timestamp', () => {
    const dto = output({ intent: 'log_support_ticket', timestamp: '2026-11-26T10:00:00Z' });
    delete dto.AIOutput!.traceId;
    expect(fromEndpointOutput(dto, RECEIVED_AT)!.eventId).toBe(
      sha256('session123\nlog_support_ticket\n2026-11-26T10:00:00Z'),
    );
  });

  it('without traceId and timestamp, the hash uses the receipt time it defaulted to', () => {
    const dto = output({ intent: 'log_support_ticket' });
    delete dto.AIOutput!.traceId;
    expect(fromEndpointOutput(dto, RECEIVED_AT)!.eventId).toBe(
      sha256('session123\nlog_support_ticket\n2026-11-26T12:34:56.789Z'),
    );
  });

  it('leaves userId out of the metadata when there is none', () => {
    const dto = output({ intent: 'log_support_ticket', metadata: { a: 1 } });
    delete dto.userId;
    expect(fromEndpointOutput(dto, RECEIVED_AT)!.metadata).toEqual({ a: 1 });
  });
});
