/**
 * Training routes, all futures: forward, forward_backward, optim_step, save/load weights and
 * save_weights_for_sampler. Each is seq-id checked per model and runs in submission order.
 */
import type { EngineDatum, EngineForwardOutput, EngineLossFn, EngineTensor } from "../engine.js";
import { FutureFailure } from "../futures-store.js";
import { HttpError } from "../http-util.js";
import type { RouteContext, RouteResult, Router } from "../router.js";
import { checkCheckpointName, type ModelRecord } from "../store.js";
import {
  arrField,
  bodyObject,
  checkDatumShapes,
  type JsonObject,
  modelInputTokens,
  numField,
  objField,
  optInt,
  optNonNegInt,
  optStr,
  strField,
  tensor,
} from "../validation.js";
import { drive } from "../yielding.js";
import type { EmulatorState } from "./context.js";
import { capAt, type EmulatorLimits } from "../limits.js";

const LOSS_FNS: readonly EngineLossFn[] = ["cross_entropy", "importance_sampling", "ppo"];

/** Wire form of an engine tensor. */
export function tensorToWire(t: EngineTensor): { data: number[]; dtype: string; shape: number[] } {
  return { data: Array.from(t.data), dtype: t.dtype, shape: [...t.shape] };
}

/** The wire form of every datum's outputs, one datum per slice (large batches yield between them). */
function* outputsToWire(
  outputs: EngineForwardOutput["lossFnOutputs"],
): Generator<void, Array<Record<string, ReturnType<typeof tensorToWire>>>> {
  const wire: Array<Record<string, ReturnType<typeof tensorToWire>>> = [];
  for (const o of outputs) {
    wire.push(Object.fromEntries(Object.entries(o).map(([k, t]) => [k, tensorToWire(t)])));
    yield;
  }
  return wire;
}

function parseInput(input: JsonObject, field: string, limits: EmulatorLimits, vocabSize: number) {
  const data = arrField(input, "data", `${field}.`);
  capAt(data.length, limits.maxDatums, `${field}.data`, "datums");
  let tokenCount = 0;
  const batch: EngineDatum[] = data.map((d, i) => {
    const where = `${field}.data.${i}`;
    if (typeof d !== "object" || d === null) throw new HttpError(422, `${where}: expected an object`);
    const datum = d as JsonObject;
    const tokens = modelInputTokens(datum.model_input, `${where}.model_input`, vocabSize);
    tokenCount += tokens.length;
    const inputs = objField(datum, "loss_fn_inputs", `${where}.`);
    const lossFnInputs: Record<string, EngineTensor> = {};
    for (const [k, v] of Object.entries(inputs)) lossFnInputs[k] = tensor(v, `${where}.loss_fn_inputs.${k}`);
    return { tokens, lossFnInputs };
  });
  capAt(tokenCount, limits.maxTokens, `${field}.data`, "model-input tokens");
  const lossFn = strField(input, "loss_fn", `${field}.`) as EngineLossFn;
  if (!LOSS_FNS.includes(lossFn)) {
    throw new HttpError(422, [
      {
        type: "literal_error",
        loc: ["body", field, "loss_fn"],
        msg: `${field}.loss_fn: unknown loss ${lossFn}`,
      },
    ]);
  }
  checkDatumShapes(batch, lossFn);
  let config: Record<string, number> | null = null;
  if (input.loss_fn_config !== undefined && input.loss_fn_config !== null) {
    const c = objField(input, "loss_fn_config", `${field}.`);
    config = {};
    for (const k of Object.keys(c)) config[k] = numField(c, k, 0, `${field}.loss_fn_config.`);
  }
  return { batch, lossFn, config };
}

/** Validates model and seq-id, then submits work on the model's queue; applied work is recorded. */
function submitTraining(
  state: EmulatorState,
  ctx: RouteContext,
  b: JsonObject,
  work: (model: ModelRecord) => unknown,
  model = state.store.model(strField(b, "model_id")),
): RouteResult {
  const seqId = optNonNegInt(b, "seq_id");
  const violation = state.log.checkSeq(model.modelId, seqId);
  if (violation) {
    ctx.entry.seqRejected = true;
    throw new HttpError(
      400,
      `seq_id: ${violation.kind === "duplicate" ? "duplicate" : "out-of-order"} seq_id ${seqId} for model ${model.modelId} (last accepted ${violation.lastSeqId})`,
    );
  }
  const requestId: string = state.futures.submit(
    `model:${model.modelId}`,
    async () => {
      const out = await work(model);
      state.log.recordApplied({ modelId: model.modelId, path: ctx.path, seqId, requestId });
      return out;
    },
    ctx.requestId,
  );
  return { status: 200, body: { request_id: requestId, model_id: model.modelId } };
}

/** Whether a save must leave an existing checkpoint alone: `overwrite: false` (0.25.0's default). */
function keepsExisting(b: JsonObject): boolean {
  const o = b.overwrite;
  if (o === undefined || o === null) return false;
  if (typeof o !== "boolean") {
    throw new HttpError(422, [
      { type: "bool_type", loc: ["body", "overwrite"], msg: "overwrite: expected a boolean" },
    ]);
  }
  return !o;
}

/** Registers the training routes. */
export function trainingRoutes(router: Router, state: EmulatorState): void {
  for (const [path, field, backward] of [
    ["/api/v1/forward", "forward_input", false],
    ["/api/v1/forward_backward", "forward_backward_input", true],
  ] as const) {
    router.add("POST", path, (ctx) => {
      const b = bodyObject(ctx.body);
      const model = state.store.model(strField(b, "model_id"));
      const vocab = state.store.engine.vocabSize?.(model.baseModel) ?? Number.POSITIVE_INFINITY;
      const { batch, lossFn, config } = parseInput(objField(b, field), field, state.limits, vocab);
      return submitTraining(
        state,
        ctx,
        b,
        async (m) => {
          // The async forms yield to the event loop, so a large batch never freezes the server.
          const out = backward
            ? await (m.model.forwardBackwardAsync?.(batch, lossFn, config) ??
                m.model.forwardBackward(batch, lossFn, config))
            : await (m.model.forwardAsync?.(batch, lossFn, config) ?? m.model.forward(batch, lossFn, config));
          return {
            loss_fn_output_type: lossFn,
            loss_fn_outputs: await drive(outputsToWire(out.lossFnOutputs)),
            metrics: { ...out.metrics },
          };
        },
        model,
      );
    });
  }

  router.add("POST", "/api/v1/optim_step", (ctx) => {
    const b = bodyObject(ctx.body);
    const a = objField(b, "adam_params");
    const params = {
      learningRate: numField(a, "learning_rate", 1e-4, "adam_params."),
      beta1: numField(a, "beta1", 0.9, "adam_params."),
      beta2: numField(a, "beta2", 0.95, "adam_params."),
      eps: numField(a, "eps", 1e-12, "adam_params."),
    };
    return submitTraining(state, ctx, b, (m) => {
      if (params.learningRate < 0) throw new FutureFailure("learning rate must not be negative", "user");
      return { metrics: { ...m.model.optimStep(params) } };
    });
  });

  router.add("POST", "/api/v1/save_weights", (ctx) => {
    const b = bodyObject(ctx.body);
    const name = optStr(b, "path") ?? state.store.autoName();
    checkCheckpointName(name);
    const ttl = ttlOf(b);
    const keep = keepsExisting(b);
    const model = state.store.model(strField(b, "model_id"));
    // 0.25.0 sends `overwrite` (default false): a taken name is refused before anything is queued;
    // 0.4.1 has no such field and each save replaces the last. A 400, not a 409: both SDKs retry a
    // 409 for minutes, and a taken name stays taken.
    const conflict = keep ? state.store.saveConflict(model, "weights", name) : undefined;
    if (conflict !== undefined) throw new HttpError(400, conflict);
    return submitTraining(
      state,
      ctx,
      b,
      (m) => {
        // A save queued before this one may have taken the name since.
        const late = keep ? state.store.saveConflict(m, "weights", name) : undefined;
        if (late !== undefined) throw new FutureFailure(late, "user");
        return {
          path: state.store.saveCheckpoint(m, "weights", name, m.model.saveState(), ttl),
          type: "save_weights",
        };
      },
      model,
    );
  });

  router.add("POST", "/api/v1/load_weights", (ctx) => {
    const b = bodyObject(ctx.body);
    const path = strField(b, "path");
    // 0.25.0 sends `optimizer`: false loads the weights alone; 0.4.1 sends nothing (all restored).
    const weightsOnly = b.optimizer === false;
    if (b.model_id === undefined && b.session_id !== undefined) {
      return createViaLoad(state, ctx, b, path, weightsOnly);
    }
    return submitTraining(state, ctx, b, (m) => {
      let data: Uint8Array;
      try {
        data = state.store.readCheckpoint(path, "path", "weights").data;
      } catch (err) {
        throw new FutureFailure(err instanceof Error ? err.message : String(err), "user");
      }
      m.model.loadState(data, { weightsOnly });
      // 0.25.0 (which sends `optimizer`) has LoadWeightsResponse name the model the weights went onto.
      return b.optimizer === undefined
        ? { path, type: "load_weights" }
        : { path, model_id: m.modelId, type: "load_weights" };
    });
  });

  router.add("POST", "/api/v1/save_weights_for_sampler", (ctx) => {
    const b = bodyObject(ctx.body);
    const name = optStr(b, "path");
    const samplingSeq = optInt(b, "sampling_session_seq_id");
    if (name === null && samplingSeq === null) {
      throw new HttpError(400, "path: either path or sampling_session_seq_id is required");
    }
    if (name !== null) checkCheckpointName(name);
    const ttl = ttlOf(b);
    return submitTraining(state, ctx, b, (m) => {
      if (name !== null) {
        const path = state.store.saveCheckpoint(
          m,
          "sampler_weights",
          name,
          m.model.saveSamplerWeights(),
          ttl,
        );
        return { path, sampling_session_id: null, type: "save_weights_for_sampler" };
      }
      const rec = state.store.createSampling(m.baseModel, null, m.model.snapshotSampler());
      return { path: null, sampling_session_id: rec.samplingSessionId, type: "save_weights_for_sampler" };
    });
  });
}

/** `ttl_seconds` of a save (0.25.0): a positive integer, or null/absent for no expiry. */
function ttlOf(b: JsonObject): number | null {
  const ttl = optInt(b, "ttl_seconds");
  if (ttl !== null && ttl <= 0) throw new HttpError(422, "ttl_seconds: must be a positive integer");
  return ttl;
}

/**
 * 0.25.0 `create_model_via_load_weights`: a load addressed by `session_id` + `model_seq_id` creates
 * the model `<session>:train:<seq>` with the checkpoint's LoRA settings (and the optional base-model
 * override and metadata), then loads it as the model's first request.
 */
function createViaLoad(
  state: EmulatorState,
  ctx: RouteContext,
  b: JsonObject,
  path: string,
  weightsOnly: boolean,
): RouteResult {
  const sessionId = strField(b, "session_id");
  const modelSeqId = optNonNegInt(b, "model_seq_id");
  if (modelSeqId === null) throw new HttpError(422, "model_seq_id: required with session_id");
  state.store.session(sessionId);
  const { run, data } = state.store.readCheckpoint(path, "path", "weights");
  const baseModel = optStr(b, "base_model") ?? run.baseModel;
  if (!state.store.engine.supportedModels.includes(baseModel)) {
    throw new HttpError(400, `base_model: ${baseModel} is not supported by this server`);
  }
  const meta = b.user_metadata;
  const userMetadata =
    typeof meta === "object" && meta !== null
      ? Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, String(v)]))
      : null;
  const model = state.store.createModel(
    sessionId,
    baseModel,
    run.lora,
    userMetadata,
    `${sessionId}:train:${modelSeqId}`,
  );
  const submitted = submitTraining(
    state,
    ctx,
    b,
    (m) => {
      m.model.loadState(data, { weightsOnly });
      return { path, model_id: m.modelId, type: "load_weights" };
    },
    model,
  );
  // The request named no model, so the answer is the bare future (the model id is in its result).
  if ("raw" in submitted) return submitted;
  const { request_id } = submitted.body as { request_id: string };
  return { ...submitted, body: { request_id } };
}
