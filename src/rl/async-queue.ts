/** A FIFO queue with awaitable `get`, and `put` that waits while a bounded queue is full. */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  readonly #getters: Array<{ resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  readonly #putters: Array<() => void> = [];
  #closed: unknown;

  constructor(readonly maxSize = Number.POSITIVE_INFINITY) {}

  /** Items waiting in the queue. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds `item`, waiting while the queue is full. */
  async put(item: T): Promise<void> {
    while (this.#items.length >= this.maxSize && this.#getters.length === 0) {
      if (this.#closed !== undefined) throw this.#closed;
      await new Promise<void>((resolve) => this.#putters.push(resolve));
    }
    if (this.#closed !== undefined) throw this.#closed;
    const getter = this.#getters.shift();
    if (getter) getter.resolve(item);
    else this.#items.push(item);
  }

  /** The oldest item, waiting for one when the queue is empty. */
  get(): Promise<T> {
    if (this.#items.length > 0) {
      const item = this.#items.shift() as T;
      this.#putters.shift()?.();
      return Promise.resolve(item);
    }
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    return new Promise<T>((resolve, reject) => this.#getters.push({ resolve, reject }));
  }

  /** Fails every waiting and later `get`/`put` with `reason` (used to stop the loops on an error). */
  close(reason: unknown): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason ?? new Error("queue closed");
    for (const g of this.#getters.splice(0)) g.reject(this.#closed);
    for (const p of this.#putters.splice(0)) p();
  }
}
