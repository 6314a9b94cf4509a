import { WebhookConfig } from '../config/webhook.config';
import { MIN_PENDING_CHARGE, PendingBodyBudget } from './pending-body-budget';

const budget = (maxPendingBytes: number, maxPendingBytesPerClient: number) =>
  new PendingBodyBudget({ maxPendingBytes, maxPendingBytesPerClient } as WebhookConfig);

describe('PendingBodyBudget', () => {
  it('reserves up to the whole cap, then refuses without reserving', () => {
    const b = budget(300_000, 300_000);
    expect(b.reserve('a', 200_000)).not.toBeNull();
    expect(b.reserve('b', 100_000)).not.toBeNull();
    expect(b.heldBytes).toBe(300_000);
    expect(b.reserve('c', 20_000)).toBeNull();
    expect(b.heldBytes).toBe(300_000);
  });

  it('refuses a client past its share while others still fit', () => {
    const b = budget(1_000_000, 300_000);
    expect(b.reserve('a', 200_000)).not.toBeNull();
    expect(b.reserve('a', 200_000)).toBeNull();
    expect(b.reserve('b', 200_000)).not.toBeNull();
    expect(b.heldBytes).toBe(400_000);
  });

  it('charges at least MIN_PENDING_CHARGE, whatever length a request declares', () => {
    const b = budget(10 * MIN_PENDING_CHARGE, 10 * MIN_PENDING_CHARGE);
    for (let i = 0; i < 10; i++) expect(b.reserve('a', 0)).not.toBeNull();
    expect(b.reserve('a', 1)).toBeNull();
  });

  it('gives the bytes back once, however often release is called', () => {
    const b = budget(300_000, 200_000);
    const release = b.reserve('a', 200_000)!;
    const other = b.reserve('b', 50_000)!;
    release();
    release();
    expect(b.heldBytes).toBe(50_000);
    expect(b.reserve('a', 200_000)).not.toBeNull();
    other();
    expect(b.heldBytes).toBe(200_000);
  });
});
