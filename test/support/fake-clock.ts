/**
 * A virtual clock for the `deps: {now, sleep, random}` hooks of ServiceClient, so retries, backoffs,
 * heartbeats and telemetry flushes run without real waiting.
 *
 * Short sleeps (≤ `autoAdvanceLimitMs`, default 5 s: HTTP retry backoffs, `retry-after`, the 1 s
 * SDK-level and sampling backoffs, poll delays) complete on their own: the clock jumps to the
 * earliest pending wake-up once the event loop is idle for a turn. Long sleeps — the 10 s heartbeat
 * and telemetry flush periods — only complete when a test calls `advance()`, so a scenario that
 * lasted < 10 s in Python sees no heartbeat here either.
 */

interface Sleeper {
  wake: number;
  /** Requested as a short sleep (≤ autoAdvanceLimitMs): the clock may jump to it by itself. */
  auto: boolean;
  resolve: () => void;
}

/** Virtual time source and sleep function; see module comment. */
export class FakeClock {
  /** Virtual milliseconds (starts at a fixed epoch so `now()` looks like `Date.now()`). */
  nowMs = 1_767_225_600_000;
  /** Every sleep requested, in ms, in call order (for asserting backoff choices). */
  readonly sleeps: number[] = [];
  private pending: Sleeper[] = [];
  private scheduled = false;

  constructor(
    readonly autoAdvanceLimitMs = 5_000,
    private readonly randomValue = 0.5,
  ) {}

  /** The hooks to pass as ServiceClient `deps`. */
  readonly deps = {
    now: (): number => this.nowMs,
    random: (): number => this.randomValue,
    sleep: (ms: number, signal?: AbortSignal): Promise<void> => this.sleep(ms, signal),
  };

  /** Sleeps still waiting, as delays from now (ms). */
  pendingDelays(): number[] {
    return this.pending.map((s) => s.wake - this.nowMs).sort((a, b) => a - b);
  }

  /** Moves virtual time forward by `ms`, waking every sleeper due, in wake-up order. */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    for (;;) {
      const next = this.pending.filter((s) => s.wake <= target).sort((a, b) => a.wake - b.wake)[0];
      if (!next) break;
      this.nowMs = Math.max(this.nowMs, next.wake);
      this.wakeDue();
      await new Promise((r) => setImmediate(r));
    }
    this.nowMs = target;
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error("aborted"));
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        wake: this.nowMs + Math.max(0, ms),
        auto: ms <= this.autoAdvanceLimitMs,
        resolve,
      };
      this.pending.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          this.pending = this.pending.filter((s) => s !== sleeper);
          reject(signal.reason ?? new Error("aborted"));
        },
        { once: true },
      );
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // Only sleeps that were requested short may pull the clock forward; a long sleep (heartbeat)
      // that merely comes within the limit must still wait for advance() or for time to pass.
      const next = this.pending.filter((s) => s.auto).sort((a, b) => a.wake - b.wake)[0];
      if (next) {
        this.nowMs = Math.max(this.nowMs, next.wake);
        this.wakeDue();
        if (this.pending.some((s) => s.auto)) this.schedule();
      }
    });
  }

  private wakeDue(): void {
    const due = this.pending.filter((s) => s.wake <= this.nowMs);
    this.pending = this.pending.filter((s) => s.wake > this.nowMs);
    for (const s of due) s.resolve();
  }
}
