/**
 * What the TrainingClient's modules share: the ordered operations (endpoint, the
 * X-Tinker-Request-Type of their polls, the parser of their result) and the handle through which
 * a module submits one in its reserved seq_id slot. The client owns the sequencer; the modules
 * (training-state.ts, training-info.ts) only see this handle.
 */
import { ValidationError } from "../errors/index.js";
import type { APIFuture } from "../futures/index.js";
import type { RequestCallOptions } from "../core/deadline.js";
import type { RequestKind, RequestMessages } from "../types/codec.js";
import { RESPONSES } from "../types/parse.js";
import type { SessionHolder } from "./session-holder.js";

/** The ordered operations and how their results are read. */
export const OPERATIONS = {
  forward: { requestType: "Forward", parse: RESPONSES.forwardBackward },
  forward_backward: { requestType: "ForwardBackward", parse: RESPONSES.forwardBackward },
  optim_step: { requestType: "OptimStep", parse: RESPONSES.optimStep },
  save_weights: { requestType: "SaveWeights", parse: RESPONSES.saveWeights },
  load_weights: { requestType: "LoadWeights", parse: RESPONSES.loadWeights },
  save_weights_for_sampler: { requestType: "SaveWeightsForSampler", parse: RESPONSES.saveWeightsForSampler },
} as const satisfies Record<string, { requestType: string; parse: (body: unknown) => unknown }>;

/** A request kind submitted in seq_id order. */
export type OrderedKind = keyof typeof OPERATIONS & RequestKind;
/** The parsed result of an ordered kind. */
export type ResultOf<K extends OrderedKind> = ReturnType<(typeof OPERATIONS)[K]["parse"]>;

/** Shared state of one submitted call across its chunks: the first submit failure stops the rest. */
export interface CallState {
  failed?: unknown;
}

/** A TrainingClient as its modules see it. @internal */
export interface TrainingOps {
  readonly holder: SessionHolder;
  readonly modelId: string;
  /** Reserves the next seq_id (synchronously, at call time). */
  reserve(): number;
  /** Submits `kind` in slot `seqId` and polls its result. */
  ordered<K extends OrderedKind>(
    kind: K,
    message: (seqId: number) => RequestMessages[K],
    seqId: number,
    signal: AbortSignal | undefined,
    call?: CallState,
  ): APIFuture<ResultOf<K>>;
  /** Runs `start` as the public call `TrainingClient.<name>` (per-call options, fatal capture). */
  publicFuture<T>(
    name: string,
    options: RequestCallOptions | undefined,
    start: (signal: AbortSignal | undefined) => APIFuture<T>,
  ): APIFuture<T>;
}

/** A checkpoint name becomes the last segment of a tinker:// path. */
export function checkpointName(name: unknown): void {
  if (typeof name !== "string") throw new ValidationError("name", `expected a string, got ${typeof name}`);
  if (name === "") throw new ValidationError("name", "must not be empty");
}
