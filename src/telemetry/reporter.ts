/**
 * The telemetry reporter of a session (0.4.1's `Telemetry`): events queue up and one background
 * loop POSTs them to /api/v1/telemetry in batches, every 10 s or at once when an exception is
 * logged. It never throws into user code and never keeps the process alive.
 */
import { randomUUID } from "node:crypto";
import { SDK_VERSION } from "../core/transport.js";
import { APIError } from "../errors/index.js";
import { unrefSleep } from "../lib/sleep.js";
import type { RequestOptions, TransportResponse } from "../core/transport.js";
import type { Deps } from "../lib/deps.js";
import { JSON_CODEC, type WireCodec } from "../types/codec.js";
import type { Severity } from "../types/enums.js";
import type { TelemetryEvent, TelemetrySendRequest } from "../types/telemetry.js";
import {
  exceptionEvent,
  genericEvent,
  platformSystem,
  sessionEndEvent,
  sessionStartEvent,
} from "./events.js";

/** The slice of `Transport` the reporter needs. */
export interface TelemetryTransport {
  request<R = unknown>(opts: RequestOptions): Promise<TransportResponse<R>>;
}

/** Limits of the 0.4.1 reporter, plus the bound tinker-ts puts on re-sending a failed batch. */
export const TELEMETRY_LIMITS = {
  batchSize: 100,
  flushIntervalMs: 10_000,
  maxQueue: 10_000,
  /** Pause before re-sending a batch the HTTP layer gave up on. */
  retryDelayMs: 1_000,
  /** Per-request timeout (0.4.1 HTTP_TIMEOUT_SECONDS). */
  httpTimeoutMs: 5_000,
  /** 0.4.1 re-sends forever; tinker-ts drops a batch after this many failed sends (docs/parity.md). */
  maxBatchSends: 5,
  /** How long `flush()` waits for the queue to drain (0.4.1 FLUSH_TIMEOUT). */
  flushTimeoutMs: 30_000,
  /** How long `close()` waits for its final flush. */
  closeFlushTimeoutMs: 10_000,
};

/** Options for {@link TelemetryReporter}. */
export interface TelemetryReporterOptions {
  transport: TelemetryTransport;
  /**
   * The session reported under, or null for a session-less holder (0.25.0): batches then carry
   * `sessionless-<uuid4>` and no SESSION_START / SESSION_END is logged.
   */
  sessionId: string | null;
  /** `process_uuid` of every batch (0.25.0); absent: the field is not sent (0.4.1). */
  processUuid?: string;
  /** `sdk_version` of every batch (default the package's 0.4.1 wire version). */
  sdkVersion?: string;
  /** How the batch body is encoded (default 0.4.1's JSON). */
  codec?: WireCodec;
  /** Clock and sleep (default: the real clock, and unref'd waits that never hold the process). */
  deps?: Partial<Deps>;
}

/** Queues events and sends them in the background; see the module comment. */
export class TelemetryReporter {
  /** Events dropped because the queue was full or a batch could not be delivered. */
  dropped = 0;
  /** Batches delivered. */
  sent = 0;
  /** The `session_id` batches carry. */
  readonly sessionId: string;
  /** Whether this reporter belongs to a session-less holder (no SESSION_START / SESSION_END). */
  readonly sessionless: boolean;
  readonly #opts: TelemetryReporterOptions;
  readonly #deps: Pick<Deps, "now" | "sleep">;
  readonly #queue: TelemetryEvent[] = [];
  readonly #sessionStartMs: number;
  readonly #stop = new AbortController();
  readonly #drainWaiters: Array<{ target: number; resolve: () => void }> = [];
  #index = 0;
  #pushed = 0;
  #handled = 0;
  #wake: AbortController | undefined;
  #wakeRequested = false;
  #lastEvent: TelemetryEvent["event"] | undefined;

  constructor(opts: TelemetryReporterOptions) {
    this.#opts = opts;
    this.#deps = { now: opts.deps?.now ?? Date.now, sleep: opts.deps?.sleep ?? unrefSleep };
    this.#sessionStartMs = this.#deps.now();
    this.sessionless = opts.sessionId === null;
    this.sessionId = opts.sessionId ?? `sessionless-${randomUUID()}`;
    if (!this.sessionless) this.#enqueue(sessionStartEvent(this.#stamp(this.#sessionStartMs)));
    void this.#run();
  }

  /** Queues a GENERIC_EVENT (0.4.1 `Telemetry.log`); sent with the next batch. */
  logGenericEvent(name: string, data?: Record<string, unknown>, severity: Severity = "INFO"): boolean {
    return this.#enqueue(genericEvent(this.#stamp(), name, data, severity));
  }

  /** Queues an exception (or a `user_error` event) and starts a flush at once. */
  logException(error: unknown, severity: Severity = "ERROR"): boolean {
    const logged = this.#enqueue(exceptionEvent(this.#stamp(), error, severity));
    this.#triggerFlush();
    return logged;
  }

  /**
   * An exception that ends the operation (0.4.1 `capture_exceptions(fatal=True)`): the exception
   * and a SESSION_END (none when session-less) go out together in a flush started at once.
   */
  logFatalException(error: unknown, severity: Severity = "ERROR"): boolean {
    const events = [exceptionEvent(this.#stamp(), error, severity)];
    if (!this.sessionless) events.push(sessionEndEvent(this.#stamp(), this.#sessionStartMs));
    const logged = this.#enqueue(...events);
    this.#triggerFlush();
    return logged;
  }

  /** Queues SESSION_END (nothing when session-less). */
  logSessionEnd(): boolean {
    if (this.sessionless) return false;
    return this.#enqueue(sessionEndEvent(this.#stamp(), this.#sessionStartMs));
  }

  /**
   * Sends everything queued so far and resolves once it has been handled (sent or given up),
   * or after 30 s. Never rejects.
   */
  flush(timeoutMs = TELEMETRY_LIMITS.flushTimeoutMs): Promise<void> {
    if (this.#handled >= this.#pushed || this.#stop.signal.aborted) return Promise.resolve();
    const drained = new Promise<void>((resolve) =>
      this.#drainWaiters.push({ target: this.#pushed, resolve }),
    );
    this.#triggerFlush();
    const gaveUp = new AbortController();
    const timeout = this.#deps.sleep(timeoutMs, AbortSignal.any([this.#stop.signal, gaveUp.signal]));
    return Promise.race([drained, timeout.catch(() => {})]).finally(() => gaveUp.abort());
  }

  /**
   * Ends the session: queues SESSION_END (unless that was the last event, e.g. after a fatal
   * error, or the reporter is session-less), sends what is queued (waiting ≤ 10 s), then stops the loop. 0.4.1 has no final flush
   * and loses these events. Idempotent; never rejects.
   */
  async close(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    if (this.#lastEvent !== "SESSION_END") this.logSessionEnd();
    await this.flush(TELEMETRY_LIMITS.closeFlushTimeoutMs);
    this.#stop.abort();
    this.#wake?.abort();
    for (const w of this.#drainWaiters.splice(0)) w.resolve();
  }

  /** Events queued and not yet handed to a request. */
  get pending(): number {
    return this.#queue.length;
  }

  #stamp(nowMs = this.#deps.now()) {
    return { index: this.#index++, nowMs };
  }

  #enqueue(...events: TelemetryEvent[]): boolean {
    if (this.#queue.length + events.length > TELEMETRY_LIMITS.maxQueue) {
      this.dropped += events.length;
      return false;
    }
    this.#queue.push(...events);
    this.#pushed += events.length;
    this.#lastEvent = events[events.length - 1]?.event;
    return true;
  }

  // The flush runs on the loop's next turn, so events logged in the same tick share a batch.
  #triggerFlush(): void {
    this.#wakeRequested = true;
    this.#wake?.abort();
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      if (!this.#wakeRequested) {
        this.#wake = new AbortController();
        await this.#deps
          .sleep(TELEMETRY_LIMITS.flushIntervalMs, AbortSignal.any([stop, this.#wake.signal]))
          .catch(() => {});
        this.#wake = undefined;
      }
      this.#wakeRequested = false;
      if (stop.aborted) return;
      // Send what is queued now; events logged while it is on the wire wait for the next flush
      // rather than trailing in a batch of their own.
      await this.#drain(this.#pushed);
    }
  }

  async #drain(upTo: number): Promise<void> {
    while (this.#handled < upTo && this.#queue.length > 0 && !this.#stop.signal.aborted) {
      const events = this.#queue.splice(0, Math.min(TELEMETRY_LIMITS.batchSize, upTo - this.#handled));
      if (await this.#sendWithRetry(events)) this.sent++;
      else this.dropped += events.length;
      this.#handled += events.length;
      this.#settleWaiters();
    }
  }

  #settleWaiters(): void {
    for (let i = this.#drainWaiters.length - 1; i >= 0; i--) {
      const w = this.#drainWaiters[i]!;
      if (this.#handled >= w.target) {
        this.#drainWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  async #sendWithRetry(events: TelemetryEvent[]): Promise<boolean> {
    const message: TelemetrySendRequest = {
      events,
      platform: platformSystem(),
      sdk_version: this.#opts.sdkVersion ?? SDK_VERSION,
      session_id: this.sessionId,
    };
    if (this.#opts.processUuid !== undefined) message.process_uuid = this.#opts.processUuid;
    const body = (this.#opts.codec ?? JSON_CODEC).telemetry.encode(message);
    for (let send = 1; ; send++) {
      try {
        // Normal HTTP retries (same idempotency key) with the short telemetry timeout.
        await this.#opts.transport.request({
          method: "POST",
          path: "/api/v1/telemetry",
          pool: "telemetry",
          body,
          timeoutMs: TELEMETRY_LIMITS.httpTimeoutMs,
          // 0.4.1 passes HTTP_TIMEOUT_SECONDS = 5.0, so the header reads "5.0".
          floatTimeout: true,
          signal: this.#stop.signal,
        });
        return true;
      } catch (error) {
        // 0.4.1 re-sends only after API errors; anything else (a bug, a closed client) drops the batch.
        if (!(error instanceof APIError) || send >= TELEMETRY_LIMITS.maxBatchSends) return false;
        try {
          await this.#deps.sleep(TELEMETRY_LIMITS.retryDelayMs, this.#stop.signal);
        } catch {
          return false;
        }
      }
    }
  }
}
