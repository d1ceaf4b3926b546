/**
 * 0.4.1's RetryHandler for sampling: a concurrency limit, unbounded retries of retryable errors with
 * jittered exponential delay, and a progress watchdog that fails requests when no request of the
 * handler has completed for `progressTimeoutMs`.
 */
import { currentControl, notePhase } from "../core/deadline.js";
import { describe, RETRY_WARN_AFTER_MS } from "./retry.js";
import type { SdkLogger } from "../core/logger.js";
import { APIConnectionError, APIStatusError, ValidationError } from "../errors/index.js";
import { exceptionFields, isUserError } from "../errors/classify.js";
import type { TelemetryReporter } from "../telemetry/index.js";
import type { Deps } from "../lib/deps.js";
import { isRetryableSampleError, sampleRetryDelayMs } from "../lib/retry-policy.js";
import { Semaphore } from "./semaphore.js";

/** RetryConfig of 0.4.1 (times in ms). */
export interface RetryConfig {
  /** Requests of this handler running at once (default 1000). */
  maxConnections: number;
  /** Fail with APIConnectionError when nothing completed for this long (default 30 min). */
  progressTimeoutMs: number;
  retryDelayBaseMs: number;
  retryDelayMaxMs: number;
  jitterFactor: number;
  /** False: one attempt only (limit and watchdog still apply). */
  enableRetryLogic: boolean;
}

/** Defaults of 0.4.1. */
export const DEFAULT_RETRY_CONFIG: Readonly<RetryConfig> = {
  maxConnections: 1000,
  progressTimeoutMs: 30 * 60_000,
  retryDelayBaseMs: 500,
  retryDelayMaxMs: 10_000,
  jitterFactor: 0.25,
  enableRetryLogic: true,
};

/** Fill and validate a partial config. */
export function resolveRetryConfig(c: Partial<RetryConfig> = {}): RetryConfig {
  const out = { ...DEFAULT_RETRY_CONFIG, ...c };
  if (!(out.maxConnections > 0)) {
    throw new ValidationError("max_connections", `must be positive, got ${out.maxConnections}`);
  }
  return out;
}

/** A request in flight: `stuck` fails it when the watchdog fires; `stopped` ends its retries. */
interface InFlight {
  stopped: boolean;
  stuck: (error: Error) => void;
}

const noop = () => {};

/** Shared by the sampling clients of a holder with the same model and config. */
export class RetryHandler {
  readonly config: RetryConfig;
  readonly #deps: Deps;
  readonly #semaphore: Semaphore;
  #lastProgress: number;
  #inFlight = 0;
  readonly #requests = new Set<InFlight>();
  /** Aborted when the handler goes idle; ends the current watchdog. */
  #idle: AbortController | undefined;
  /** Retries performed (diagnostics). */
  retries = 0;

  readonly #telemetry: () => TelemetryReporter | null | undefined;
  readonly #logger: SdkLogger | undefined;

  constructor(
    config: RetryConfig,
    deps: Deps,
    telemetry?: () => TelemetryReporter | null,
    /** A debug line per retry; one warning per request once it has retried for 30 s. */
    logger?: SdkLogger,
  ) {
    this.config = config;
    this.#deps = deps;
    this.#telemetry = telemetry ?? (() => undefined);
    this.#logger = logger;
    this.#semaphore = new Semaphore(config.maxConnections);
    this.#lastProgress = deps.now();
  }

  /** Run `fn` under the handler's limit, retrying and watching progress as 0.4.1. */
  async execute<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = this.#semaphore.tryAcquire() ?? (await this.#semaphore.acquire(signal));
    if (this.#inFlight === 0) this.#lastProgress = this.#deps.now();
    this.#inFlight++;
    const request: InFlight = { stopped: false, stuck: noop };
    this.#requests.add(request);
    this.#watchWhileBusy();
    try {
      // Settled by the request or, first, by the watchdog (one promise, not a race of two).
      const result = await new Promise<T>((resolve, reject) => {
        request.stuck = reject;
        this.#retrying(fn, signal, request).then(resolve, reject);
      });
      this.#lastProgress = this.#deps.now();
      return result;
    } finally {
      request.stopped = true;
      this.#requests.delete(request);
      this.#inFlight--;
      if (this.#inFlight === 0) this.#idle?.abort();
      release();
    }
  }

  /**
   * One watchdog per busy period (not per request, which would cost a timer and an abort each):
   * when no request of this handler has completed within the progress timeout, every request in
   * flight fails with APIConnectionError, as 0.4.1's per-request progress checks do.
   */
  #watchWhileBusy(): void {
    if (this.#idle) return;
    const idle = new AbortController();
    this.#idle = idle;
    void (async () => {
      while (!idle.signal.aborted) {
        const wait = this.#lastProgress + this.config.progressTimeoutMs - this.#deps.now();
        if (wait < 0) {
          const error = new APIConnectionError(
            `No progress made in ${this.config.progressTimeoutMs / 1000}s. Requests appear to be stuck.`,
          );
          for (const r of this.#requests) {
            r.stopped = true;
            r.stuck(error);
          }
          this.#requests.clear();
          this.#lastProgress = this.#deps.now();
          continue;
        }
        try {
          await this.#deps.sleep(wait + 1, idle.signal);
        } catch {
          break;
        }
      }
      if (this.#idle === idle) this.#idle = undefined;
    })();
  }

  async #retrying<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, request: InFlight): Promise<T> {
    // 0.4.1's fast path: without retry logic, one attempt and no failure event.
    if (!this.config.enableRetryLogic) return fn();
    const start = this.#deps.now();
    const maxRetries = currentControl()?.maxRetries ?? Number.POSITIVE_INFINITY;
    let warned = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const retryable = isRetryableSampleError(error);
        this.#logFailure(error, retryable, attempt + 1, start);
        if (!retryable || signal?.aborted || request.stopped || attempt >= maxRetries) {
          throw error;
        }
        this.retries++;
        const delayMs = sampleRetryDelayMs(attempt, this.config, this.#deps.random);
        const what = `sample: attempt ${attempt + 1} failed ${describe(error)}; retrying in ${Math.round(delayMs)} ms`;
        this.#logger?.debug(what);
        const elapsed = this.#deps.now() - start;
        if (!warned && elapsed >= RETRY_WARN_AFTER_MS) {
          warned = true;
          this.#logger?.warn(
            `${what} (still retrying after ${Math.round(elapsed / 1000)} s, ${attempt + 1} attempts; ` +
              `fails once no sample completes for ${this.config.progressTimeoutMs / 1000} s)`,
          );
        }
        notePhase(`backing off ${Math.round(delayMs)} ms before re-sampling (${describe(error)})`);
        await this.#deps.sleep(delayMs, signal);
        // The watchdog may have failed this request while it slept: no further attempt.
        if (request.stopped) throw error;
      }
    }
  }

  // 0.4.1 logs every failed attempt as "RetryHandler.execute.exception".
  #logFailure(error: unknown, shouldRetry: boolean, attemptCount: number, start: number): void {
    const telemetry = this.#telemetry();
    if (!telemetry) return;
    const userError = isUserError(error);
    const now = this.#deps.now();
    telemetry.logGenericEvent(
      "RetryHandler.execute.exception",
      {
        func: "SamplingClient.sample",
        ...exceptionFields(error),
        status_code: error instanceof APIStatusError ? error.status : null,
        should_retry: shouldRetry,
        is_user_error: userError,
        attempt_count: attemptCount,
        start_time: start / 1000,
        current_time: now / 1000,
        elapsed_time: (now - start) / 1000,
      },
      shouldRetry || userError ? "WARNING" : "ERROR",
    );
  }
}
