/**
 * The public SDK call a piece of work belongs to. Clients run each public operation in a call
 * scope; the transport stamps its request events with the scope's id, so an instrumentation
 * subscriber (e.g. the OpenTelemetry bridge) can nest HTTP attempts under the call that made them.
 * Costs nothing unless someone subscribes to the call channels.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { type CallEndMessage, type CallStartMessage, channels } from "./instrumentation.js";

/** One public SDK call. */
export interface CallScope {
  /** Unique in this process. */
  readonly id: number;
  /** `Client.method`, e.g. "TrainingClient.forwardBackward". */
  readonly name: string;
}

const storage = new AsyncLocalStorage<CallScope>();
let nextCallId = 1;

/** The call the current async context belongs to, if any is being traced. */
export function currentCall(): CallScope | undefined {
  return storage.getStore();
}

/**
 * Run `fn` as the public call `name`. `fn` starts synchronously (callers rely on that for id
 * ordering). A call made inside another (e.g. createTrainingClientFromState → loadState) is part
 * of the outer one.
 */
export function runCall<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (storage.getStore() !== undefined || !channels.callStart.hasSubscribers) return fn();
  const scope: CallScope = { id: nextCallId++, name };
  channels.callStart.publish({ callId: scope.id, name } satisfies CallStartMessage);
  const started = performance.now();
  const end = (error?: Error) =>
    channels.callEnd.publish({
      callId: scope.id,
      name,
      durationMs: performance.now() - started,
      error,
    } satisfies CallEndMessage);
  return storage.run(scope, fn).then(
    (value) => {
      end();
      return value;
    },
    (error: unknown) => {
      end(error instanceof Error ? error : new Error(String(error)));
      throw error;
    },
  );
}
