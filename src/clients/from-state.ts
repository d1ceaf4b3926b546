/**
 * `ServiceClient.createTrainingClientFromState(WithOptimizer)`: a new TrainingClient on a
 * checkpoint. 0.4.1 GETs the checkpoint's training run, creates a LoRA model with its base model,
 * rank and metadata, then loads the weights. 0.25.0 (facts 20–21) asks `POST weights_info` on the
 * session-less REST holder — with `weightsAccessToken`, on a holder of its own with that key —
 * creates the model with the checkpoint's rank and `train_*` flags (null → true) and the caller's
 * `baseModel`/`userMetadata`, then sends `load_weights` with `optimizer` and the token. When the
 * server sets `create_model_via_load_weights`, one `load_weights` addressed by session creates the
 * model, whose id is then `<session_id>:train:<model_seq_id>`.
 */
import { ValidationError } from "../errors/index.js";
import { pollingFuture } from "../futures/index.js";
import { runCall } from "../core/call-scope.js";
import {
  joinSignals,
  notePhase,
  type RequestCallOptions,
  untilAborted,
  withCallOptions,
} from "../core/deadline.js";
import { parseTinkerPath } from "../lib/tinker-path.js";
import { RESPONSES } from "../types/parse.js";
import { encodeLoadWeightsRequest } from "../types/requests.js";
import type { WeightsInfoResponse } from "../types/responses.js";
import { RestClient } from "./rest-client.js";
import { executeWithRetries } from "./retry.js";
import type { LoraTrainingOptions } from "./service-client.js";
import type { SessionHolder } from "./session-holder.js";
import { TrainingClient } from "./training-client.js";

/** Options of `createTrainingClientFromState(WithOptimizer)` and the per-call options. */
export interface FromStateOptions extends RequestCallOptions {
  /** Override of the checkpoint's base model; must be compatible with it (0.25.0). */
  baseModel?: string;
  /** Metadata of the new training run (0.4.1 merges it over the run's; 0.25.0 sends it alone). */
  userMetadata?: Record<string, string>;
  /** A key of the account that owns the checkpoint (0.25.0 `weights_access_token`). */
  weightsAccessToken?: string;
}

/** What the ServiceClient lends: its holder, a holder with another key, its factories. @internal */
interface FromStateDeps {
  readonly holder: SessionHolder;
  /** A new holder like this one but authenticated with `apiKey`; the caller closes it. */
  holderWithKey(apiKey: string): SessionHolder;
  createLoraTrainingClient(
    baseModel: string,
    options: LoraTrainingOptions & RequestCallOptions,
  ): Promise<TrainingClient>;
  createRestClient(): RestClient;
}

/** The TrainingClient on checkpoint `path`, its optimizer state restored when `optimizer`. */
export function trainingClientFromState(
  d: FromStateDeps,
  path: string,
  optimizer: boolean,
  options: FromStateOptions = {},
): Promise<TrainingClient> {
  const { baseModel, userMetadata, weightsAccessToken, ...call } = options;
  const h = d.holder;
  const name = optimizer
    ? "ServiceClient.createTrainingClientFromStateWithOptimizer"
    : "ServiceClient.createTrainingClientFromState";
  const run = h.generation.fromStateCaptured
    ? h.call.bind(h)
    : (n: string, o: RequestCallOptions, fn: (s: AbortSignal | undefined) => Promise<TrainingClient>) =>
        runCall(n, () => withCallOptions(n, o, h.callDefaults, h.deps, fn));
  return run(name, call, async (callSignal) => {
    parseTinkerPath(typeof path === "string" ? path : String(path));
    if (weightsAccessToken != null && h.generation.fromStateLookup !== "weights_info") {
      throw new ValidationError("weights_access_token", "needs protocol 0.25.0 (weights_info)");
    }
    // The steps share the call's signal (its deadline included) and its other options.
    const step: RequestCallOptions = { ...call, timeout: undefined, signal: callSignal };
    if (h.generation.fromStateLookup === "training_run") {
      return fromTrainingRun(d, path, optimizer, baseModel, userMetadata, step);
    }
    const signal = joinSignals(callSignal, h.operationSignal());
    if (h.generation.handshake !== null) {
      notePhase("waiting for client/config");
      const flags = await untilAborted(h.sessionHandshake.ready(), signal);
      if (flags.create_model_via_load_weights) {
        return viaLoadWeights(h, path, optimizer, { baseModel, userMetadata, weightsAccessToken }, signal);
      }
    }
    let info: WeightsInfoResponse;
    if (weightsAccessToken != null) {
      // As the SDK: a RestClient of a holder with the owner's key asks for the checkpoint.
      const other = d.holderWithKey(weightsAccessToken);
      try {
        info = await RestClient.of(other).getWeightsInfoByTinkerPath(path, { signal: callSignal });
      } finally {
        await other.close();
      }
    } else {
      info = await d.createRestClient().getWeightsInfoByTinkerPath(path, { signal });
    }
    if (!info.is_lora || info.lora_rank == null) {
      throw new ValidationError("lora_rank", `checkpoint ${path} is not a LoRA checkpoint`);
    }
    const lora = {
      rank: info.lora_rank,
      trainUnembed: info.train_unembed ?? true,
      trainMlp: info.train_mlp ?? true,
      trainAttn: info.train_attn ?? true,
      userMetadata,
    };
    return createAndLoad(d, baseModel ?? info.base_model, lora, path, optimizer, step, {
      weightsAccessToken,
    });
  });
}

/** create_model with `lora`, then load_state(path) (with the optimizer when asked), sharing `step`. */
async function createAndLoad(
  d: FromStateDeps,
  baseModel: string,
  lora: LoraTrainingOptions,
  path: string,
  optimizer: boolean,
  step: RequestCallOptions,
  load: { weightsAccessToken?: string | null | undefined } = {},
): Promise<TrainingClient> {
  const training = await d.createLoraTrainingClient(baseModel, { ...lora, ...step });
  const loadOptions = { ...step, ...load };
  await (optimizer
    ? training.loadStateWithOptimizer(path, loadOptions)
    : training.loadState(path, loadOptions));
  return training;
}

/** 0.4.1: the run's base model, rank and metadata (the caller's keys win), then load_state. */
async function fromTrainingRun(
  d: FromStateDeps,
  path: string,
  optimizer: boolean,
  baseModel: string | undefined,
  userMetadata: Record<string, string> | undefined,
  step: RequestCallOptions,
): Promise<TrainingClient> {
  const run = await d.createRestClient().getTrainingRunByTinkerPath(path, {}, step);
  if (run.lora_rank == null) {
    throw new ValidationError("lora_rank", `training run ${run.training_run_id} is not a LoRA run`);
  }
  const lora = {
    rank: run.lora_rank,
    userMetadata: { ...(run.user_metadata ?? {}), ...(userMetadata ?? {}) },
  };
  return createAndLoad(d, baseModel ?? run.base_model, lora, path, optimizer, step);
}

/** 0.25.0 `create_model_via_load_weights`: one load_weights addressed by session creates the model. */
async function viaLoadWeights(
  h: SessionHolder,
  path: string,
  optimizer: boolean,
  o: Pick<FromStateOptions, "baseModel" | "userMetadata" | "weightsAccessToken">,
  signal: AbortSignal,
): Promise<TrainingClient> {
  notePhase("waiting for create_session");
  const sessionId = await untilAborted(h.sessionId(), signal);
  const modelSeqId = h.nextModelSeqId();
  const body = h.codec.load_weights.encode(
    encodeLoadWeightsRequest({
      session_id: sessionId,
      model_seq_id: modelSeqId,
      base_model: o.baseModel,
      user_metadata: o.userMetadata,
      path,
      optimizer,
      weights_access_token: o.weightsAccessToken,
    }),
  );
  await pollingFuture(
    h.futureContext,
    async () =>
      RESPONSES.untypedFuture(
        (
          await executeWithRetries(
            () =>
              h.transport.request({
                method: "POST",
                path: "/api/v1/load_weights",
                body,
                pool: "train",
                signal,
              }),
            { deps: h.deps, telemetry: h.telemetry, logger: h.logger, signal, name: "LoadWeights" },
          )
        ).body,
      ),
    { requestType: "LoadWeights", parse: RESPONSES.loadWeights, signal },
  );
  // The id the server derives from (session_id, model_seq_id).
  return TrainingClient.of(h, modelSeqId, `${sessionId}:train:${modelSeqId}`);
}
