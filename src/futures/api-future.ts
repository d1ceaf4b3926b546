import { abortedAfterSend, APIUserAbortError } from "../errors/index.js";
import { type Deps, resolveDeps } from "../lib/deps.js";
import { FutureTimeoutError } from "../errors/index.js";

/** Options for {@link APIFuture.result}. */
export interface ResultOptions {
  /**
   * Give up waiting after this many ms with a {@link FutureTimeoutError}. The future itself keeps
   * running and caches its outcome; only this wait ends.
   */
  timeoutMs?: number;
  /** Abort this wait with `APIUserAbortError`; the future itself keeps running. */
  signal?: AbortSignal;
}

const noop = (): void => {};

/**
 * The eventual result of an API call. Returned synchronously by client methods; the work (submit,
 * then polling) has already started and runs whether or not anyone awaits it.
 *
 * - `await future` / `future.then(...)` waits without a time limit.
 * - `future.result({ timeoutMs, signal })` waits with a limit and/or an abort signal; timing out or
 *   aborting ends only that wait, the outcome is still cached for later waits.
 * - The outcome (value or error) is computed once and shared by every waiter.
 * - A future nobody awaits never causes an unhandled rejection.
 *
 * Build one with `pollingFuture`, `combinedFuture`, `resolvedFuture` or `futureFromPromise`.
 */
export class APIFuture<T> implements PromiseLike<T> {
  readonly #promise: Promise<T>;
  readonly #requestId: () => string | undefined;
  readonly #deps: Deps;
  /** Whether anyone awaited the future (then/catch/result/map). */
  #observed = false;

  /**
   * Wrap a running operation. `requestId` reports the server request id once known.
   * Prefer the factory functions; this is public so other areas can adapt their own promises.
   */
  constructor(
    promise: Promise<T>,
    init: {
      requestId?: () => string | undefined;
      /** Clock for `result({ timeoutMs })` (tests pass a fake one). @internal */
      deps?: Partial<Deps>;
      /**
       * Called when the operation failed and nobody had awaited the future (by the next macrotask
       * after the failure), so a pipelined call that fails is never silent. @internal
       */
      onUnobservedFailure?: (error: unknown, requestId: string | undefined) => void;
    } = {},
  ) {
    this.#promise = promise;
    // Marks the rejection as handled: callers still see it through then/result.
    const report = init.onUnobservedFailure;
    promise.catch(
      report === undefined
        ? noop
        : (error: unknown) => {
            setImmediate(() => {
              if (!this.#observed) report(error, this.requestId);
            });
          },
    );
    this.#requestId = init.requestId ?? (() => undefined);
    this.#deps = resolveDeps(init.deps);
  }

  /** Server `request_id`, available once the request has been submitted (undefined before). */
  get requestId(): string | undefined {
    return this.#requestId();
  }

  /** Wait for the result, optionally bounded by `timeoutMs` and/or `signal`. */
  result(options: ResultOptions = {}): Promise<T> {
    this.#observed = true;
    const { timeoutMs, signal } = options;
    if (timeoutMs === undefined && signal === undefined) return this.#promise;
    if (signal?.aborted) return Promise.reject(new APIUserAbortError());
    return new Promise<T>((resolve, reject) => {
      const timer = new AbortController();
      const finish = () => {
        timer.abort();
        signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        finish();
        // Only this wait stops: a submitted request goes on and may be applied.
        const id = this.requestId;
        reject(id === undefined ? new APIUserAbortError() : abortedAfterSend(id));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) {
        this.#deps.sleep(Math.max(0, timeoutMs), timer.signal).then(() => {
          if (timer.signal.aborted) return;
          finish();
          reject(new FutureTimeoutError(timeoutMs, this.requestId));
        }, noop);
      }
      this.#promise.then(
        (value) => {
          finish();
          resolve(value);
        },
        (error: unknown) => {
          finish();
          reject(error);
        },
      );
    });
  }

  /** PromiseLike: wait without a limit. */
  // biome-ignore lint/suspicious/noThenProperty: APIFuture is deliberately awaitable.
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#observed = true;
    return this.#promise.then(onfulfilled, onrejected);
  }

  /** Promise-style error handler. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    this.#observed = true;
    return this.#promise.catch(onrejected);
  }

  /** Promise-style cleanup hook. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#promise.finally(onfinally);
  }

  /** A future of `fn(result)` sharing this future's `requestId` (e.g. SampleResponse → logprobs). */
  map<U>(fn: (value: T) => U | PromiseLike<U>): APIFuture<U> {
    this.#observed = true;
    return new APIFuture(this.#promise.then(fn), {
      requestId: this.#requestId,
      deps: this.#deps,
    });
  }
}
