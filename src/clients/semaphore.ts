/** A counting semaphore (FIFO), used for the 400-request sampling dispatch limit and RetryHandler. */
export class Semaphore {
  #available: number;
  // A queue with a moving head: shift() on an array of thousands of waiters is O(n) per release.
  #waiters: Array<Waiter | undefined> = [];
  #head = 0;
  // One abort listener per signal that has waiters, not one per waiter: thousands of calls wait
  // here at once, sharing a handful of signals, and each EventTarget listener costs memory and time.
  readonly #watched = new Map<AbortSignal, Watch>();

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

  /**
   * A slot now, if one is free and nobody waits: the function that releases it, else undefined.
   * Lets hot paths skip the promise and the turn of the event loop that `acquire` costs.
   */
  tryAcquire(): (() => void) | undefined {
    if (this.#available === 0 || this.waiting > 0) return undefined;
    this.#available--;
    return this.#releaser();
  }

  /** Wait for a slot; the returned function releases it (idempotent). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    const now = this.tryAcquire();
    if (now) return now;
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    await new Promise<void>((grant, fail) => {
      this.#waiters.push({ grant, fail, signal });
      if (signal) this.#watch(signal);
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#next();
      if (next) next();
      else this.#available++;
    };
  }

  #watch(signal: AbortSignal): void {
    let watch = this.#watched.get(signal);
    if (watch === undefined) {
      watch = { waiters: 0, onAbort: () => this.#abortWaiters(signal) };
      this.#watched.set(signal, watch);
      signal.addEventListener("abort", watch.onAbort, { once: true });
    }
    watch.waiters++;
  }

  #unwatch(signal: AbortSignal): void {
    const watch = this.#watched.get(signal);
    if (watch !== undefined && --watch.waiters === 0) {
      this.#watched.delete(signal);
      signal.removeEventListener("abort", watch.onAbort);
    }
  }

  // Leave holes rather than splice: release() skips them.
  #abortWaiters(signal: AbortSignal): void {
    this.#watched.delete(signal);
    for (let i = this.#head; i < this.#waiters.length; i++) {
      const w = this.#waiters[i];
      if (w?.signal === signal) {
        this.#waiters[i] = undefined;
        w.fail(signal.reason ?? new Error("aborted"));
      }
    }
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
        if (w.signal) this.#unwatch(w.signal);
        this.#compact();
        return w.grant;
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

interface Waiter {
  grant: () => void;
  fail: (reason: unknown) => void;
  signal: AbortSignal | undefined;
}

interface Watch {
  waiters: number;
  onAbort: () => void;
}
