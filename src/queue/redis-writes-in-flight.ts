/**
 * This instance's new events from before their job is added until they are written: the delivery
 * queue may fetch such a job in between, and then waits for the write instead of putting the job off.
 */
export class WritesInFlight {
  private readonly writing = new Map<string, Promise<unknown>>();

  async track<T>(eventId: string, write: Promise<T>): Promise<T> {
    this.writing.set(eventId, write);
    try {
      return await write;
    } finally {
      if (this.writing.get(eventId) === write) this.writing.delete(eventId);
    }
  }

  of(eventId: string): Promise<unknown> | undefined {
    return this.writing.get(eventId);
  }
}
