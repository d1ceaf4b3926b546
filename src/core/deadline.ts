/**
 * Per-call options and the bound on a whole call. A public SDK call runs inside a `CallControl`
 * (AsyncLocalStorage), which carries the caller's signal joined with the call's deadline, the extra
 * headers and the retry limit. Clients pass `control.signal` where they passed the caller's signal;
 * the transport reads headers and `maxRetries` from the current control; every loop that waits
 * (HTTP back-off, SDK-level back-off, polls, sampling back-off) says what it waits for with
 * `notePhase`, so a call that runs out of time fails with an `APITimeoutError` naming the wait.
 * A call with no options and no client-wide default runs exactly as before (no control at all).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { APITimeoutError, APIUserAbortError, ValidationError } from "../errors/index.js";
import type { Deps } from "../lib/deps.js";

/** Options every method that talks to the server takes as its last argument (openai-node style). */
export interface RequestCallOptions {
  /** Aborts this call: `APIUserAbortError`, or `APITimeoutError` when the signal is a timeout signal. */
  signal?: AbortSignal;
  /** Extra headers on every request of this call (they win over the client's). */
  headers?: Record<string, string>;
  /**
   * Retries of this call at each retry layer (HTTP attempts, SDK-level resubmission, sampling
   * re-submission); default: the client's `maxRetries` for HTTP and 0.4.1's time-based layers.
   */
  maxRetries?: number;
  /**
   * Milliseconds the whole call may take — every retry, back-off and poll included; the call then
   * fails with `APITimeoutError`. Default: the client's `callOptions.timeout` (none: 0.4.1's unbounded waits).
   */
  timeout?: number;
}

/** Client-wide defaults of the per-call options (`ServiceClientOptions.callOptions`). */
export type CallDefaults = Pick<RequestCallOptions, "timeout" | "maxRetries" | "headers">;

/** The running call: what it is, what it waits for, and its limits. */
class CallControl {
  readonly name: string;
  /** The caller's signal joined with the deadline; pass it where the caller's signal went. */
  readonly signal: AbortSignal | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly maxRetries: number | undefined;
  readonly timeoutMs: number | undefined;
  /** What the call waits for right now ("submitting POST /api/v1/asample", "polling request X"…). */
  phase = "starting";
  readonly #userSignal: AbortSignal | undefined;
  readonly #deadline: AbortController | undefined;
  readonly #startedAt: number;
  readonly #deps: Deps;

  constructor(name: string, options: RequestCallOptions, deps: Deps) {
    this.name = name;
    this.headers = options.headers;
    this.maxRetries = options.maxRetries;
    this.timeoutMs = options.timeout;
    this.#userSignal = options.signal;
    this.#deps = deps;
    this.#startedAt = deps.now();
    if (options.timeout !== undefined) {
      this.#deadline = new AbortController();
      this.signal = options.signal
        ? AbortSignal.any([options.signal, this.#deadline.signal])
        : this.#deadline.signal;
    } else {
      this.signal = options.signal;
    }
  }

  /** Start the deadline timer (on the injected clock); `stop` cancels it. */
  arm(stop: AbortSignal): void {
    const deadline = this.#deadline;
    if (deadline === undefined || this.timeoutMs === undefined) return;
    this.#deps.sleep(this.timeoutMs, stop).then(
      () => deadline.abort(this.#timeoutError(undefined)),
      () => undefined,
    );
  }

  /**
   * The error a failed call surfaces: the deadline's `APITimeoutError`, an `APITimeoutError` for a
   * timeout signal of the caller (cause = its reason), otherwise `error` itself.
   */
  translate(error: unknown): unknown {
    const reason = this.#deadline?.signal.aborted ? this.#deadline.signal.reason : undefined;
    if (reason instanceof APITimeoutError) return reason;
    const user = this.#userSignal;
    if (user?.aborted && isTimeoutReason(user.reason)) return this.#timeoutError(user.reason);
    if (user?.aborted && error instanceof APIUserAbortError && error.cause === undefined) {
      // Keep what the abort knew: a request already sent or accepted may have been applied.
      if (error.mayHaveBeenApplied) {
        return new APIUserAbortError(`${this.name} was aborted while ${this.phase}. ${error.message}`, {
          mayHaveBeenApplied: true,
        });
      }
      return new APIUserAbortError(`${this.name} was aborted while ${this.phase}.`);
    }
    return error;
  }

  #timeoutError(cause: unknown): APITimeoutError {
    const seconds = ((this.#deps.now() - this.#startedAt) / 1000).toFixed(1);
    return new APITimeoutError(`${this.name} timed out after ${seconds} s while ${this.phase}.`, cause);
  }
}

const storage = new AsyncLocalStorage<CallControl>();

/** The control of the call the current async context belongs to, if it has one. */
export function currentControl(): CallControl | undefined {
  return storage.getStore();
}

/** Record what the current call waits for (a no-op outside a controlled call). */
export function notePhase(what: string): void {
  const c = storage.getStore();
  if (c !== undefined) c.phase = what;
}

/**
 * Run the public call `name` under `options` merged over `defaults`. `fn` gets the call's signal
 * (the caller's signal joined with the deadline; undefined when there is neither) and starts
 * synchronously. A call made inside another keeps the outer control.
 */
export function withCallOptions<T>(
  name: string,
  options: RequestCallOptions | undefined,
  defaults: CallDefaults | undefined,
  deps: Deps,
  fn: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const outer = storage.getStore();
  const merged = mergeOptions(options, defaults);
  if (merged === undefined) return fn(outer?.signal);
  checkOptions(merged);
  if (outer !== undefined && options === undefined) return fn(outer.signal);
  const control = new CallControl(name, merged, deps);
  const stop = new AbortController();
  control.arm(stop.signal);
  return storage
    .run(control, () => fn(control.signal))
    .then(
      (value) => {
        stop.abort();
        return value;
      },
      (error: unknown) => {
        stop.abort();
        throw control.translate(error);
      },
    );
}

/**
 * `promise`, or a rejection with APIUserAbortError as soon as `signal` aborts (for waits on shared
 * work the call does not own, e.g. the session's create_session).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new APIUserAbortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new APIUserAbortError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** `signal` joined with `other` (the holder's lifetime), without a new signal when there is none. */
export function joinSignals(signal: AbortSignal | undefined, other: AbortSignal): AbortSignal {
  return signal === undefined ? other : AbortSignal.any([signal, other]);
}

function mergeOptions(
  options: RequestCallOptions | undefined,
  defaults: CallDefaults | undefined,
): RequestCallOptions | undefined {
  if (defaults === undefined) return isEmpty(options) ? undefined : options;
  if (isEmpty(options)) return isEmpty(defaults) ? undefined : defaults;
  const headers =
    defaults.headers || options?.headers ? { ...defaults.headers, ...options?.headers } : undefined;
  return { ...defaults, ...options, headers };
}

function isEmpty(o: RequestCallOptions | undefined): boolean {
  if (o === undefined) return true;
  return (
    o.signal === undefined && o.headers === undefined && o.maxRetries === undefined && o.timeout === undefined
  );
}

function checkOptions(o: RequestCallOptions): void {
  if (o.timeout !== undefined && !(typeof o.timeout === "number" && o.timeout > 0)) {
    throw new ValidationError(
      "timeout",
      `must be a positive number of milliseconds, got ${String(o.timeout)}`,
    );
  }
  if (o.maxRetries !== undefined && !(Number.isInteger(o.maxRetries) && o.maxRetries >= 0)) {
    throw new ValidationError("maxRetries", `must be a non-negative integer, got ${String(o.maxRetries)}`);
  }
}

/** An `AbortSignal.timeout()` aborts with a DOMException named TimeoutError. */
function isTimeoutReason(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === "TimeoutError";
}

/** The per-call options out of an options object that also carries method options. */
export function callOptionsOf(o: RequestCallOptions): RequestCallOptions | undefined {
  const { signal, headers, maxRetries, timeout } = o;
  if (signal === undefined && headers === undefined && maxRetries === undefined && timeout === undefined) {
    return undefined;
  }
  return { signal, headers, maxRetries, timeout };
}
