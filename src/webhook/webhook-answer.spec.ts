import { sourceOfPath } from './webhook-answer';

describe('sourceOfPath', () => {
  it('names the source of a named route, none for the unnamed ones', () => {
    expect(sourceOfPath('/webhooks/cognigy/chat/dialog-complete')).toBe('chat');
    expect(sourceOfPath('/webhooks/cognigy/voice-bot/endpoint-output')).toBe('voice-bot');
    expect(sourceOfPath('/webhooks/cognigy/dialog-complete')).toBeUndefined();
    expect(sourceOfPath('/webhooks/cognigy/endpoint-output')).toBeUndefined();
    expect(sourceOfPath('/webhooks/cognigy/a/b/dialog-complete')).toBeUndefined();
  });
});
