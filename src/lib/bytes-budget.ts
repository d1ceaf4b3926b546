/**
 * A byte budget with 0.25.0's `BytesSemaphore` semantics (golden v0.25 README, facts 8 and 13): a
 * request goes through while the remaining budget is ≥ 0 and then subtracts its bytes, so the
 * budget may go negative (one request larger than the whole budget still goes, alone); the bytes
 * come back on release. Waiters are served in arrival order.
 */
export class BytesBudget {
  #remaining: number;
  readonly #waiters: Waiter[] = [];

  /** A budget of `size` bytes. */
  constructor(size: number) {
    this.#remaining = size;
  }

  /** Bytes left (negative while an oversized request holds it). */
  get remaining(): number {
    return this.#remaining;
  }

  /** Callers waiting. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Take `bytes` once the budget is ≥ 0 and nobody waits before us; resolves to the function that
   * gives them back (idempotent). An abort while waiting rejects with the signal's reason.
   */
  async acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    if (this.#remaining >= 0 && this.#waiters.length === 0) {
      this.#remaining -= bytes;
    } else {
      if (signal?.aborted) throw signal.reason ?? new Error("aborted");
      await new Promise<void>((grant, fail) => {
        const w: Waiter = { bytes, grant };
        this.#waiters.push(w);
        if (!signal) return;
        const onAbort = () => {
          const i = this.#waiters.indexOf(w);
          if (i < 0) return; // already granted
          this.#waiters.splice(i, 1);
          fail(signal.reason ?? new Error("aborted"));
          this.#wake();
        };
        signal.addEventListener("abort", onAbort, { once: true });
        w.grant = () => {
          signal.removeEventListener("abort", onAbort);
          grant();
        };
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#remaining += bytes;
      this.#wake();
    };
  }

  /** Let waiters through in order while the budget is ≥ 0 (each takes its bytes at once). */
  #wake(): void {
    while (this.#remaining >= 0 && this.#waiters.length > 0) {
      const w = this.#waiters.shift() as Waiter;
      this.#remaining -= w.bytes;
      w.grant();
    }
  }
}

interface Waiter {
  bytes: number;
  grant: () => void;
}
