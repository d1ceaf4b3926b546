import type { Deps } from "../lib/deps.js";
import { APIFuture } from "./api-future.js";

/**
 * One future over several parts (the chunks of a chunked call). Waits for the parts in order and
 * rejects with the error of the first part, in part order, that fails (0.4.1 gathers them and
 * raises the first exception). On success returns `combine(results)` with results in part order,
 * e.g. `combinedFuture(chunks, combineForwardBackwardOutputs)`. `requestId` is the first part's.
 */
export function combinedFuture<T, R>(
  parts: readonly APIFuture<T>[],
  combine: (results: T[]) => R | PromiseLike<R>,
  deps?: Partial<Deps>,
): APIFuture<R> {
  const run = async (): Promise<R> => {
    const results: T[] = [];
    for (const part of parts) results.push(await part);
    return combine(results);
  };
  return new APIFuture(run(), { requestId: () => parts[0]?.requestId, deps });
}

/** An already-completed future (e.g. an empty batch); `requestId` is undefined. */
export function resolvedFuture<T>(value: T, deps?: Partial<Deps>): APIFuture<T> {
  return new APIFuture(Promise.resolve(value), { deps });
}

/**
 * Adapt any running operation (e.g. a multi-step client method) as an APIFuture.
 * `requestId` may report the id of the request that represents it, once known.
 */
export function futureFromPromise<T>(
  promise: Promise<T>,
  options: ConstructorParameters<typeof APIFuture<T>>[1] = {},
): APIFuture<T> {
  return new APIFuture(promise, options);
}
