/** The listeners a store calls after committing new or replayed events. */
export class EnqueueSignal {
  private readonly listeners: Array<() => void> = [];

  listen(listener: () => void): void {
    this.listeners.push(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}
