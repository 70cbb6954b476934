import type { Milliseconds } from '../commands/types.js';

/**
 * The funnel's one fetcher: while the funnel wants jobs, it asks its host how many (the
 * adaptive prefetch), fetches them with one GETJOB, and hands them over; with no room it sleeps
 * until woken (a loop took a job, or the funnel is going idle or closing).
 * @internal
 * @module
 */
export interface FetchHost<J> {
  /** Whether jobs are wanted at all (a loop is running and the funnel is open). */
  active(): boolean;
  /** How many jobs to fetch now; 0 to sleep until woken. */
  room(): number;
  receive(count: number): Promise<J[]>;
  /** The jobs a fetch of `asked` brought. */
  admit(jobs: J[], asked: number): void;
  /** A fetch failed: true to go on (after a pause), false to stop. */
  failed(error: unknown): boolean;
  /** The loop ended: no GETJOB of the funnel is in flight any more. */
  ended(): void;
}

/**
 * How long one GETJOB blocks. Short on purpose: a funnel never destroys its blocked GETJOB (a
 * GETJOB still armed on the server could take a job the funnel is giving back at that moment,
 * and the job would wait for its RETRY), it lets it end — so closing waits at most this long.
 */
export const FETCH_TIMEOUT: Milliseconds = 1000;
/** Pause after a failed fetch before the next one. */
export const FETCH_ERROR_PAUSE: Milliseconds = 500;

/** @internal */
export class FetchLoop<J> {
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(private readonly host: FetchHost<J>) {}

  /** The loop while it runs (settles when it has ended). */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  /** Starts the loop unless it runs. */
  start(): void {
    this.#running ??= this.#run();
  }

  /** Wakes the loop if it sleeps for lack of room. */
  wake(): void {
    this.#wake?.();
  }

  /**
   * Wakes the loop only if it sleeps and the host now has room: the hot path calls this for
   * every job taken, and a wake-up that finds no room would cost a promise per job.
   */
  wakeIfRoom(): void {
    if (this.#wake && this.host.room() > 0) this.#wake();
  }

  async #run(): Promise<void> {
    const host = this.host;
    // One turn first, so that `#running` is set before the loop can end and clear it.
    await Promise.resolve();
    try {
      while (host.active()) {
        const count = host.room();
        if (count <= 0) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
          continue;
        }
        try {
          host.admit(await host.receive(count), count);
        } catch (error) {
          if (!host.failed(error)) break;
          if (host.active()) await new Promise((resolve) => setTimeout(resolve, FETCH_ERROR_PAUSE));
        }
      }
    } finally {
      this.#running = undefined;
      host.ended();
    }
  }
}
