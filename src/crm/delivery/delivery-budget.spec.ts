import { BUSY_LOOP_MS, DeliveryBudget, EventLoopDelay, IDLE_LOOP_MS, LoopDelaySource } from './delivery-budget';

/** Delays handed out one per sample period, and a clock the test moves. */
class ScriptedDelay implements LoopDelaySource {
  constructor(private readonly delays: number[]) {}

  takeMs(): number {
    return this.delays.shift() ?? 0;
  }
}

function budgetOver(delays: number[], slots = 64) {
  let now = 1_000_000;
  const budget = new DeliveryBudget(slots, new ScriptedDelay(delays), () => now);
  const seen: number[] = [];
  const periods = delays.length;
  for (let i = 0; i < periods; i++) {
    seen.push(budget.current());
    now += 100;
  }
  return { seen };
}

describe('DeliveryBudget', () => {
  it('allows every slot while the event loop is prompt', () => {
    expect(budgetOver([0, 2, 5, IDLE_LOOP_MS - 1]).seen).toEqual([64, 64, 64, 64]);
  });

  it('halves the slots each period the loop is late, down to a quarter of them', () => {
    const late = BUSY_LOOP_MS + 1;
    expect(budgetOver(Array(5).fill(late)).seen).toEqual([32, 16, 16, 16, 16]);
    expect(budgetOver(Array(3).fill(late), 2).seen).toEqual([1, 1, 1]);
  });

  it('grows back by an eighth of the slots per prompt period, never past them', () => {
    const late = BUSY_LOOP_MS + 50;
    const { seen } = budgetOver([late, late, late, 0, 0, 0, 0, 0, 0, 0]);
    expect(seen).toEqual([32, 16, 16, 24, 32, 40, 48, 56, 64, 64]);
  });

  it('holds steady between the two thresholds', () => {
    const between = (BUSY_LOOP_MS + IDLE_LOOP_MS) / 2;
    expect(budgetOver([BUSY_LOOP_MS + 1, between, between, BUSY_LOOP_MS]).seen).toEqual([32, 32, 32, 32]);
  });

  it('samples the loop at most once per period however often it is asked', () => {
    let now = 0;
    const budget = new DeliveryBudget(16, new ScriptedDelay([BUSY_LOOP_MS + 1, BUSY_LOOP_MS + 1]), () => now);
    expect([budget.current(), budget.current(), budget.current()]).toEqual([8, 8, 8]);
    now += 100;
    expect(budget.current()).toBe(4);
  });
});

describe('EventLoopDelay', () => {
  it('reports a loop blocked by synchronous work', async () => {
    const delay = new EventLoopDelay();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      delay.takeMs();
      const until = Date.now() + 200;
      while (Date.now() < until) {
        // block the event loop
      }
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(delay.takeMs()).toBeGreaterThanOrEqual(150);
    } finally {
      delay.stop();
    }
  });

  it('stops its timer when nobody reads it, and starts it again on the next reading', () => {
    jest.useFakeTimers();
    const delay = new EventLoopDelay(250);
    try {
      delay.takeMs();
      jest.advanceTimersByTime(200);
      expect(delay.ticking).toBe(true);
      jest.advanceTimersByTime(100);
      expect(delay.ticking).toBe(false);
      delay.takeMs();
      expect(delay.ticking).toBe(true);
    } finally {
      delay.stop();
      jest.useRealTimers();
    }
  });
});
