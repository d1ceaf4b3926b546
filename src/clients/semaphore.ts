/** A counting semaphore (FIFO), used for the 400-request sampling dispatch limit and RetryHandler. */
export class Semaphore {
  #available: number;
  readonly #waiters: Array<() => void> = [];

  /** A semaphore with `permits` slots. */
  constructor(permits: number) {
    this.#available = permits;
  }

  /** Slots free right now. */
  get available(): number {
    return this.#available;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Wait for a slot; the returned function releases it (idempotent). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#available > 0 && this.#waiters.length === 0) {
      this.#available--;
    } else {
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = this.#waiters.indexOf(grant);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal?.reason ?? new Error("aborted"));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiters.push(grant);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#available++;
    };
  }
}
