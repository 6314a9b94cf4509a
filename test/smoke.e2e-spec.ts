import { sampleDialog } from '../src/webhook/dto/dialog-complete.fixture';
import { startTestApp, TestApp } from './support/test-app';
import { DIALOG_ROUTE, postSigned } from './support/webhook-cases';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ COGNIGY_WEBHOOK_SECRETS: 's1' });
  });
  afterAll(() => t.close());

  it('accepts a signed event', async () => {
    const res = await postSigned(t, 's1', DIALOG_ROUTE, sampleDialog());
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('accepted');
  });
});
