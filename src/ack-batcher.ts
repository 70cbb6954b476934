/**
 * Collects job ids to acknowledge and sends them several per ACKJOB/FASTACK: flushed at the end
 * of the current tick, or as soon as `max` ids are waiting. Every `add()` resolves when the
 * command carrying its id has been answered.
 * @internal
 * @module
 */
export class AckBatcher {
  #ids: string[] = [];
  #waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  #scheduled = false;

  constructor(
    private readonly send: (ids: string[]) => Promise<unknown>,
    private readonly max = 256,
  ) {}

  /** Queues an id; resolves once it is acknowledged. */
  add(id: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#ids.push(id);
      this.#waiters.push({ resolve, reject });
      if (this.#ids.length >= this.max) void this.flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Sends what is waiting now. */
  async flush(): Promise<void> {
    this.#scheduled = false;
    if (this.#ids.length === 0) return;
    const ids = this.#ids;
    const waiters = this.#waiters;
    this.#ids = [];
    this.#waiters = [];
    try {
      await this.send(ids);
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }
}
