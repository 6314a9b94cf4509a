import { newEvent } from '../queue/stored-event.fixture';
import { StoredEvent } from '../queue/stored-event';
import { activityView, deadLetterView, eventDetailView, eventView } from './event-views';

const T0 = Date.parse('2026-11-26T10:00:00Z');

/** A stored event with every delivery field set, `overrides` on top. */
function stored(overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    ...newEvent({ eventId: 'evt-1', externalId: 'C-7', receivedAt: T0 }),
    state: 'dead',
    attempts: 3,
    replays: 1,
    nextAttemptAt: T0,
    lastStatus: 422,
    lastError: 'Unprocessable',
    crmRecordId: null,
    created: null,
    deliveredAt: null,
    failedAt: T0 + 90_000,
    ...overrides,
  };
}

/** What every view shows of stored(): the record and the state of its delivery. */
const DELIVERY_FIELDS = {
  eventId: 'evt-1',
  intent: 'update_customer_profile',
  objectType: 'contact',
  externalId: 'C-7',
  attempts: 3,
  lastStatus: 422,
  lastError: 'Unprocessable',
};

describe('deadLetterView', () => {
  it("shows the record, the delivery's last answer and when it failed (ISO-8601)", () => {
    expect(deadLetterView(stored())).toEqual({
      ...DELIVERY_FIELDS,
      failedAt: '2026-11-26T10:01:30.000Z',
    });
  });

  it('shows a missing failure time as null', () => {
    expect(deadLetterView(stored({ failedAt: null })).failedAt).toBeNull();
  });
});

describe('eventView', () => {
  it('adds the state and the receipt and delivery times, null when not delivered', () => {
    expect(eventView(stored({ state: 'queued', failedAt: null }))).toEqual({
      ...DELIVERY_FIELDS,
      state: 'queued',
      receivedAt: '2026-11-26T10:00:00.000Z',
      deliveredAt: null,
    });
  });
});

describe('eventDetailView', () => {
  it('adds the conversation, what the CRM said of the record, every attempt and the upsert body', () => {
    const event = stored({ state: 'delivered', deliveredAt: T0 + 5000, crmRecordId: '003XX', created: true });
    const history = [
      { at: T0 + 1000, status: 503, error: 'Service Unavailable', durationMs: 12 },
      { at: T0 + 4000, status: 200, error: null, durationMs: 9 },
    ];
    const view = eventDetailView(event, history);
    expect(view).toMatchObject({
      ...eventView(event),
      conversationId: event.event.conversationId,
      crmRecordId: '003XX',
      created: true,
      deliveredAt: '2026-11-26T10:00:05.000Z',
    });
    expect(view.attemptHistory).toEqual([
      { at: '2026-11-26T10:00:01.000Z', status: 503, error: 'Service Unavailable', durationMs: 12 },
      { at: '2026-11-26T10:00:04.000Z', status: 200, error: null, durationMs: 9 },
    ]);
    expect(view.upsert).toEqual(event.upsert.body);
  });
});

describe('activityView', () => {
  const perMinute = [
    { minute: T0, delivered: 4, deadLettered: 1 },
    { minute: T0 + 60_000, delivered: 0, deadLettered: 0 },
  ];

  it('shows each minute in ISO-8601 and the oldest queued event as whole seconds of age', () => {
    expect(activityView({ perMinute, oldestQueuedAt: T0 }, T0 + 61_999)).toEqual({
      perMinute: [
        { minute: '2026-11-26T10:00:00.000Z', delivered: 4, deadLettered: 1 },
        { minute: '2026-11-26T10:01:00.000Z', delivered: 0, deadLettered: 0 },
      ],
      oldestQueuedAgeSeconds: 61,
    });
  });

  it('shows null when nothing is queued, and never a negative age (another clock ahead)', () => {
    expect(activityView({ perMinute, oldestQueuedAt: null }, T0).oldestQueuedAgeSeconds).toBeNull();
    expect(activityView({ perMinute, oldestQueuedAt: T0 + 3000 }, T0).oldestQueuedAgeSeconds).toBe(0);
  });
});
