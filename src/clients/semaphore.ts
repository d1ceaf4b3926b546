/** A counting semaphore (FIFO), used for the 400-request sampling dispatch limit and RetryHandler. */
export class Semaphore {
  #available: number;
  // A queue with a moving head: shift() on an array of thousands of waiters is O(n) per release.
  #waiters: Array<(() => void) | undefined> = [];
  #head = 0;

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
    this.#skipHoles();
    return this.#waiters.length - this.#head;
  }

  /** Wait for a slot; the returned function releases it (idempotent). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#available > 0 && this.waiting === 0) {
      this.#available--;
    } else {
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          // Leave a hole rather than splice: release() skips it.
          const i = this.#waiters.indexOf(grant, this.#head);
          if (i >= 0) this.#waiters[i] = undefined;
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
      const next = this.#next();
      if (next) next();
      else this.#available++;
    };
  }

  // Aborted waiters leave holes; the head must never rest on one.
  #skipHoles(): void {
    while (this.#head < this.#waiters.length && this.#waiters[this.#head] === undefined) this.#head++;
    this.#compact();
  }

  #next(): (() => void) | undefined {
    while (this.#head < this.#waiters.length) {
      const w = this.#waiters[this.#head];
      this.#waiters[this.#head++] = undefined;
      if (w) {
        this.#compact();
        return w;
      }
    }
    this.#compact();
    return undefined;
  }

  // Drop the consumed prefix once it dominates, keeping release() amortized O(1).
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
      this.#waiters = this.#waiters.slice(this.#head);
      this.#head = 0;
    }
  }
}
