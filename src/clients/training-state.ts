/**
 * The checkpoint operations of a TrainingClient: save_state (with 0.25.0's `ttl_seconds` and
 * `overwrite`), load_state with or without the optimizer state, sampler weights (named, with a TTL,
 * or ephemeral for a SamplingClient). Each takes its seq_id when called and runs in that slot.
 * Every message is built and checked before the seq_id is reserved, so a bad call consumes none.
 */
import { BadResponseError } from "../errors/index.js";
import { type APIFuture, futureFromPromise } from "../futures/index.js";
import type { RequestCallOptions } from "../core/deadline.js";
import { parseTinkerPath } from "../lib/tinker-path.js";
import {
  encodeLoadWeightsRequest,
  encodeSaveWeightsForSamplerRequest,
  encodeSaveWeightsRequest,
} from "../types/requests.js";
import type {
  LoadWeightsResponse,
  SavedSamplerWeights,
  SaveWeightsForSamplerResponse,
  SaveWeightsResponse,
} from "../types/responses.js";
import { SamplingClient, type SamplingClientOptions } from "./sampling-client.js";
import { checkpointName, type TrainingOps } from "./training-ops.js";

/** Options of `saveState`: the per-call options, the checkpoint's TTL and whether to overwrite. */
export interface SaveStateOptions extends RequestCallOptions {
  /** Seconds until the checkpoint expires; unset or null: it never does. */
  ttlSeconds?: number | null;
  /** Replace a checkpoint of the same name instead of failing (0.25.0 sends `false` by default). */
  overwrite?: boolean;
}

/** Options of `loadState` / `loadStateWithOptimizer`. */
export interface LoadStateOptions extends RequestCallOptions {
  /** A key of the account that owns the checkpoint (0.25.0 `weights_access_token`). */
  weightsAccessToken?: string | null;
}

/** Options of `saveWeightsForSampler`: the per-call options and the weights' TTL. */
export interface SaveWeightsForSamplerOptions extends RequestCallOptions {
  /** Seconds until the sampler weights expire; unset or null: they never do. */
  ttlSeconds?: number | null;
}

/** save_weights: weights and optimizer state as `tinker://…/weights/<name>`. */
export function saveState(
  ops: TrainingOps,
  name: string,
  options: SaveStateOptions = {},
): APIFuture<SaveWeightsResponse> {
  checkpointName(name);
  const { ttlSeconds, overwrite, ...call } = options;
  const message = encodeSaveWeightsRequest({
    model_id: ops.modelId,
    path: name,
    seq_id: 0,
    ttl_seconds: ttlSeconds,
    overwrite,
  });
  const seqId = ops.reserve();
  return ops.publicFuture("saveState", call, (signal) =>
    ops.ordered("save_weights", (seq) => ({ ...message, seq_id: seq }), seqId, signal),
  );
}

/**
 * load_weights from a full `tinker://` path. `optimizer` true restores the Adam state too; false
 * loads the weights only (0.25.0 says so with `optimizer: false`; 0.4.1's load_state says nothing).
 */
export function loadState(
  ops: TrainingOps,
  path: string,
  optimizer: boolean,
  options: LoadStateOptions = {},
): APIFuture<LoadWeightsResponse> {
  // Checked here rather than by the server (the SDKs send any string): a typo fails at once.
  parseTinkerPath(typeof path === "string" ? path : String(path));
  const { weightsAccessToken, ...call } = options;
  const message = encodeLoadWeightsRequest({
    model_id: ops.modelId,
    path,
    seq_id: 0,
    ...(optimizer ? { optimizer: true } : {}),
    weights_access_token: weightsAccessToken,
  });
  const seqId = ops.reserve();
  return ops.publicFuture(optimizer ? "loadStateWithOptimizer" : "loadState", call, (signal) =>
    ops.ordered("load_weights", (seq) => ({ ...message, seq_id: seq }), seqId, signal),
  );
}

/** save_weights_for_sampler, named (`name`) or ephemeral (`undefined`), in its own slot. */
function saveForSampler(
  ops: TrainingOps,
  name: string | undefined,
  ttlSeconds: number | null | undefined,
  signal: AbortSignal | undefined,
): APIFuture<SaveWeightsForSamplerResponse> {
  if (name !== undefined) checkpointName(name);
  // Checks the TTL before the seq_id is taken.
  encodeSaveWeightsForSamplerRequest({ model_id: ops.modelId, seq_id: 0, ttl_seconds: ttlSeconds });
  const seqId = ops.reserve();
  return ops.ordered(
    "save_weights_for_sampler",
    // The ephemeral form takes a new sampling_session_seq_id on every attempt (0.4.1, H14).
    (seq) =>
      encodeSaveWeightsForSamplerRequest(
        name !== undefined
          ? { model_id: ops.modelId, path: name, seq_id: seq, ttl_seconds: ttlSeconds }
          : {
              model_id: ops.modelId,
              seq_id: seq,
              sampling_session_seq_id: ops.holder.nextSamplingSessionSeqId(),
            },
      ),
    seqId,
    signal,
  );
}

/** Sampler weights as `tinker://…/sampler_weights/<name>`; resolves to `{path}`. */
export function saveWeightsForSampler(
  ops: TrainingOps,
  name: string,
  options: SaveWeightsForSamplerOptions = {},
): APIFuture<SavedSamplerWeights> {
  const { ttlSeconds, ...call } = options;
  // Checked at the call, like saveState (saveForSampler checks again inside the call scope).
  checkpointName(name);
  encodeSaveWeightsForSamplerRequest({ model_id: ops.modelId, seq_id: 0, ttl_seconds: ttlSeconds });
  let inner: APIFuture<SaveWeightsForSamplerResponse> | undefined;
  const h = ops.holder;
  const p = h.call("TrainingClient.saveWeightsForSampler", call, async (signal) => {
    inner = saveForSampler(ops, name, ttlSeconds, signal);
    const r = await inner;
    if (r.path == null) {
      throw new BadResponseError("save_weights_for_sampler returned no path", { body: r, field: "path" });
    }
    return { path: r.path };
  });
  return futureFromPromise(p, { requestId: () => inner?.requestId, deps: h.deps });
}

/** Ephemeral sampler weights and a SamplingClient on them (the server returns the session id). */
export function saveWeightsAndGetSamplingClient(
  ops: TrainingOps,
  options: SamplingClientOptions = {},
): Promise<SamplingClient> {
  const { retryConfig, ...call } = options;
  const h = ops.holder;
  return h.call("TrainingClient.saveWeightsAndGetSamplingClient", call, async (signal) => {
    const r = await saveForSampler(ops, undefined, undefined, signal);
    if (!r.sampling_session_id) {
      throw new BadResponseError("save_weights_for_sampler returned no sampling session", {
        body: r,
        field: "sampling_session_id",
      });
    }
    return SamplingClient.of(h, { samplingSessionId: r.sampling_session_id, retryConfig });
  });
}
