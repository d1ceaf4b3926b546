/** The SDK's own waits (back-offs, heartbeats, telemetry flushes). */
import { APIUserAbortError } from "../core/errors.js";

/**
 * Waits `ms`, rejecting with APIUserAbortError when `signal` aborts. The timer is unref'd: a pending
 * heartbeat, back-off or flush must never keep the process alive.
 */
export function unrefSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new APIUserAbortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new APIUserAbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
