/**
 * Asynchronous work behind the future endpoints: submitted work runs after the HTTP answer, in order
 * per key (a model's requests run in submission order), and `retrieve_future` long-polls on it.
 */

/** A finished future: a result body, or a failure body `{error, category}`. */
export type FutureOutcome = { readonly body: unknown };

/** What `wait` found. */
export type FutureLookup =
  | { readonly state: "done"; readonly body: unknown }
  | { readonly state: "pending"; readonly queueState: string }
  | { readonly state: "expired" }
  | { readonly state: "missing" };

/** An error thrown by work to fail the future with a category instead of a server error. */
export class FutureFailure extends Error {
  readonly category: string;
  constructor(message: string, category: "user" | "server" | "unknown" = "user") {
    super(message);
    this.category = category;
  }
}

interface Entry {
  outcome: FutureOutcome | null;
  finishedAt: number;
  waiters: Set<() => void>;
}

/** Options of the store. */
export interface FuturesStoreOptions {
  /** Finished results are forgotten this long after finishing; later polls get "expired". */
  readonly resultTtlMs: number;
  readonly now: () => number;
  /** Cleans server error messages before they reach a client (e.g. removes the data directory). */
  readonly scrub?: (message: string) => string;
}

/** Holds futures, runs their work, and wakes long-polls. */
export class FuturesStore {
  private readonly entries = new Map<string, Entry>();
  private readonly chains = new Map<string, Promise<void>>();
  private counter = 0;
  private paused = false;
  private resumeWaiters: Array<() => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: FuturesStoreOptions) {}

  /** Pauses the work queue (submitted work waits; polls see `paused_capacity`) — for tests. */
  pause(): void {
    this.paused = true;
  }

  /** Resumes the work queue. */
  resume(): void {
    this.paused = false;
    const w = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const f of w) f();
  }

  /**
   * Submits work to run after the current turn, after earlier work with the same key. Work may be
   * async (long model work yields to the event loop); the next work of the key waits for it.
   */
  submit(key: string, work: () => unknown, reserved?: string): string {
    const id = reserved ?? this.reserve();
    const entry = this.entries.get(id) as Entry;
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(() => this.waitUnpaused())
      .then(async () => {
        if (this.closed) return;
        const body = await runWork(work, this.options.scrub);
        if (this.closed) return;
        entry.outcome = { body };
        entry.finishedAt = this.options.now();
        for (const w of entry.waiters) w();
        entry.waiters.clear();
      });
    this.chains.set(key, next);
    return id;
  }

  /**
   * A new pending future whose work is submitted later (`submit(key, work, id)`); polls see it
   * pending until then. The 0.25.0 routes answer an out-of-order chunk submit with one.
   */
  reserve(): string {
    this.counter += 1;
    if (this.counter % SWEEP_EVERY === 0) this.sweep();
    const id = `req-${String(this.counter).padStart(6, "0")}`;
    this.entries.set(id, { outcome: null, finishedAt: 0, waiters: new Set() });
    return id;
  }

  private waitUnpaused(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    return new Promise((r) => this.resumeWaiters.push(r));
  }

  /**
   * Frees expired results (their ids keep a tombstone, so they still answer 410), and drops the
   * oldest tombstones past `MAX_TOMBSTONES`: memory stays bounded however long the emulator runs.
   */
  private sweep(): void {
    const now = this.options.now();
    let tombstones = 0;
    for (const [id, e] of this.entries) {
      if (e.outcome === EXPIRED) tombstones++;
      else if (e.outcome !== null && now - e.finishedAt >= this.options.resultTtlMs) {
        this.entries.set(id, { outcome: EXPIRED, finishedAt: 0, waiters: new Set() });
        tombstones++;
      }
    }
    for (const [id, e] of this.entries) {
      if (tombstones <= MAX_TOMBSTONES) break;
      if (e.outcome === EXPIRED) {
        this.entries.delete(id);
        tombstones--;
      }
    }
  }

  /** Looks a future up now, applying expiry. */
  lookup(id: string): FutureLookup {
    const entry = this.entries.get(id);
    if (!entry) return { state: "missing" };
    if (entry.outcome === null)
      return { state: "pending", queueState: this.paused ? "paused_capacity" : "active" };
    if (entry.outcome === EXPIRED) return { state: "expired" };
    if (this.options.now() - entry.finishedAt >= this.options.resultTtlMs) {
      this.entries.delete(id);
      // Keep a tombstone so an expired id answers 410 rather than 404.
      this.entries.set(id, { outcome: EXPIRED, finishedAt: 0, waiters: new Set() });
      return { state: "expired" };
    }
    return { state: "done", body: entry.outcome.body };
  }

  /** Waits up to `holdMs` for the future to finish (long-poll); `onCancel` registers an early stop. */
  async wait(id: string, holdMs: number, onCancel?: (cancel: () => void) => void): Promise<FutureLookup> {
    const now = this.lookup(id);
    if (now.state !== "pending" || holdMs <= 0 || this.closed) return now;
    const entry = this.entries.get(id) as Entry;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        entry.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, holdMs);
      this.timers.add(timer);
      entry.waiters.add(done);
      onCancel?.(done);
    });
    return this.lookup(id);
  }

  /** Releases every pending long-poll and stops running new work. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const e of this.entries.values()) {
      for (const w of e.waiters) w();
    }
    this.resume();
  }
}

const EXPIRED: FutureOutcome = { body: null };
const SWEEP_EVERY = 1024;
const MAX_TOMBSTONES = 100_000;

async function runWork(work: () => unknown, scrub = (m: string) => m): Promise<unknown> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof FutureFailure) return { error: scrub(err.message), category: err.category };
    return { error: scrub(err instanceof Error ? err.message : String(err)), category: "server" };
  }
}
