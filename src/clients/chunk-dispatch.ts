/**
 * Dispatch of the chunk submits of one forward/forward_backward call on a TrainingClient's
 * SubmitSequencer. Serial (0.4.1, and 0.25.0 with `parallel_fwdbwd_chunks: false`): one slot per
 * chunk, each submit after the previous one was answered. Parallel (0.25.0 default, golden v0.25
 * fact 12): one slot for the whole call, in which chunks 2..n are submitted at once and chunk 1
 * only after all of them were answered, so the server (which waits for seq_id order) has the
 * batch queued when chunk 1 lands. With a byte budget (fact 13) each submit holds its chunk's
 * estimated bytes until it is answered.
 */
import type { BytesBudget } from "../lib/bytes-budget.js";
import type { UntypedAPIFuture } from "../types/responses.js";
import type { SubmitSequencer } from "./sequencer.js";

/** One chunk's submit (POST with its retries); resolves to the server's future. */
export type ChunkSubmit = () => Promise<UntypedAPIFuture>;

/** How the chunks of one call are sent. */
export interface ChunkDispatch {
  /** Chunks 2..n at once, then chunk 1 (one sequencer slot); false: one slot per chunk. */
  parallel: boolean;
  /** Budget of estimated bytes in flight; undefined: none (0.4.1). */
  budget?: BytesBudget | undefined;
  /** Each chunk's estimate, reserved from `budget` around its submit (data order). */
  measures: readonly number[];
  /** Aborts a wait for the budget. */
  signal?: AbortSignal | undefined;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/**
 * Queue the submits of one call (call synchronously, in call order) and return one promise per
 * chunk, in data order, each settling when that chunk's submit is answered.
 */
export function dispatchChunks(
  seq: SubmitSequencer,
  submits: readonly ChunkSubmit[],
  d: ChunkDispatch,
): Promise<UntypedAPIFuture>[] {
  const run = async (i: number): Promise<UntypedAPIFuture> => {
    const submit = submits[i] as ChunkSubmit;
    if (d.budget === undefined) return submit();
    const release = await d.budget.acquire(d.measures[i] ?? 0, d.signal);
    try {
      return await submit();
    } finally {
      release();
    }
  };
  if (!d.parallel || submits.length < 2) return submits.map((_, i) => seq.enqueue(() => run(i)));
  const answers = submits.map(() => deferred<UntypedAPIFuture>());
  const settle = (i: number) =>
    run(i).then(
      (f) => answers[i]?.resolve(f),
      (e: unknown) => answers[i]?.reject(e),
    );
  // The slot never rejects: each chunk's outcome goes to its own promise. A failed chunk 2..n has
  // already marked the call failed, so chunk 1's submit then fails at once without sending.
  void seq.enqueue(async () => {
    await Promise.all(submits.slice(1).map((_, j) => settle(j + 1)));
    await settle(0);
  });
  return answers.map((a) => a.promise);
}
