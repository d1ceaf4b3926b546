/** The SDK's own waits (back-offs, polls, heartbeats, telemetry flushes). */
import { APIUserAbortError } from "../errors/index.js";

/**
 * Waits `ms`, rejecting with APIUserAbortError when `signal` aborts. The timer keeps the process
 * alive, as any wait a caller's pending promise depends on must: a back-off that let Node exit
 * would end a script in the middle of a call.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, signal, true);
}

/**
 * As {@link sleep}, but the timer is unref'd: for background loops (heartbeat, telemetry flush),
 * which must never keep the process alive on their own.
 */
export function unrefSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, signal, false);
}

function wait(ms: number, signal: AbortSignal | undefined, ref: boolean): Promise<void> {
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
    if (!ref) timer.unref();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
