import { pendingBytesPerClient, requireTimestamp } from '../src/config/webhook-environment';
import { namedVariables, PRODUCTION_OK, rejectionOf, validateEnvironment } from './support/environment-checks';

/**
 * validateEnvironment (test/support/environment-checks.ts) on the budgets and windows: the
 * pending-bytes budget and each client's share of it; the record-state window against the dedup
 * window, and X-Cognigy-Timestamp required in production.
 */

describe('validateEnvironment', () => {
  describe('pending-bytes budget', () => {
    it('defaults to 32 MiB, a quarter of it per client', () => {
      const env = validateEnvironment({});
      expect(env.WEBHOOK_MAX_PENDING_BYTES).toBe(32 * 1024 * 1024);
      expect(pendingBytesPerClient(env)).toBe(8 * 1024 * 1024);
    });

    it('gives a client at least room for one body of the largest size', () => {
      const env = validateEnvironment({ WEBHOOK_MAX_PENDING_BYTES: '300000', WEBHOOK_MAX_BODY_BYTES: '200000' });
      expect(pendingBytesPerClient(env)).toBe(200000);
      expect(pendingBytesPerClient(validateEnvironment({ WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT: '300000' }))).toBe(
        300000,
      );
    });

    it('refuses budgets a body of the largest size cannot fit in, and a share over the whole', () => {
      expect(namedVariables(rejectionOf({ WEBHOOK_MAX_PENDING_BYTES: '100000' }))).toEqual([
        'WEBHOOK_MAX_PENDING_BYTES',
      ]);
      expect(namedVariables(rejectionOf({ WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT: '100000' }))).toEqual([
        'WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT',
      ]);
      expect(
        namedVariables(
          rejectionOf({ WEBHOOK_MAX_PENDING_BYTES: '1000000', WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT: '2000000' }),
        ),
      ).toEqual(['WEBHOOK_MAX_PENDING_BYTES_PER_CLIENT']);
      expect(namedVariables(rejectionOf({ WEBHOOK_MAX_PENDING_BYTES: '1000' }))).toEqual(['WEBHOOK_MAX_PENDING_BYTES']);
    });
  });

  describe('replay bounds', () => {
    it('refuses a record-state window shorter than the dedup window', () => {
      expect(namedVariables(rejectionOf({ DEDUP_TTL_SECONDS: '86400', RECORD_STATE_TTL_SECONDS: '3600' }))).toEqual([
        'RECORD_STATE_TTL_SECONDS',
      ]);
      expect(validateEnvironment({ DEDUP_TTL_SECONDS: '60', RECORD_STATE_TTL_SECONDS: '60' })).toBeDefined();
    });

    it('requires X-Cognigy-Timestamp in production unless WEBHOOK_REQUIRE_TIMESTAMP says otherwise', () => {
      expect(requireTimestamp(validateEnvironment({}))).toBe(false);
      expect(requireTimestamp(validateEnvironment(PRODUCTION_OK))).toBe(true);
      expect(requireTimestamp(validateEnvironment({ ...PRODUCTION_OK, WEBHOOK_REQUIRE_TIMESTAMP: 'false' }))).toBe(
        false,
      );
      expect(requireTimestamp(validateEnvironment({ WEBHOOK_REQUIRE_TIMESTAMP: 'true' }))).toBe(true);
    });
  });
});
