import request from 'supertest';
import { cognigySignature, sampleDialog } from './support/signing';
import { startTestApp, TestApp } from './support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: 's1' });
  });
  afterAll(() => t.close());

  it('accepts a signed event', async () => {
    const body = JSON.stringify(sampleDialog());
    const res = await request(t.server)
      .post('/webhooks/cognigy/dialog-complete')
      .set('content-type', 'application/json')
      .set('x-cognigy-signature', cognigySignature('s1', body))
      .send(body);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('accepted');
  });
});
