/**
 * Training routes, all futures: forward, forward_backward, optim_step, save/load weights and
 * save_weights_for_sampler. Each is seq-id checked per model and runs in submission order.
 */
import type { EngineDatum, EngineLossFn, EngineTensor } from "../engine.js";
import { FutureFailure } from "../futures-store.js";
import { HttpError } from "../http-util.js";
import type { RouteContext, RouteResult, Router } from "../router.js";
import type { ModelRecord } from "../store.js";
import {
  arrField,
  bodyObject,
  checkDatumShapes,
  type JsonObject,
  modelInputTokens,
  numField,
  objField,
  optInt,
  optStr,
  strField,
  tensor,
} from "../validation.js";
import type { EmulatorState } from "./context.js";

const LOSS_FNS: readonly EngineLossFn[] = ["cross_entropy", "importance_sampling", "ppo"];

/** Wire form of an engine tensor. */
export function tensorToWire(t: EngineTensor): { data: number[]; dtype: string; shape: number[] } {
  return { data: Array.from(t.data), dtype: t.dtype, shape: [...t.shape] };
}

function parseInput(input: JsonObject, field: string) {
  const data = arrField(input, "data", `${field}.`);
  const batch: EngineDatum[] = data.map((d, i) => {
    const where = `${field}.data.${i}`;
    if (typeof d !== "object" || d === null) throw new HttpError(422, `${where}: expected an object`);
    const datum = d as JsonObject;
    const tokens = modelInputTokens(datum.model_input, `${where}.model_input`);
    const inputs = objField(datum, "loss_fn_inputs", `${where}.`);
    const lossFnInputs: Record<string, EngineTensor> = {};
    for (const [k, v] of Object.entries(inputs)) lossFnInputs[k] = tensor(v, `${where}.loss_fn_inputs.${k}`);
    return { tokens, lossFnInputs };
  });
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

/** Validates model and seq-id, then submits work on the model's queue. */
function submitTraining(
  state: EmulatorState,
  ctx: RouteContext,
  b: JsonObject,
  work: (model: ModelRecord) => unknown,
): RouteResult {
  const model = state.store.model(strField(b, "model_id"));
  const seqId = optInt(b, "seq_id");
  const violation = state.log.checkSeq(model.modelId, seqId);
  if (violation) {
    ctx.entry.seqRejected = true;
    throw new HttpError(
      400,
      `seq_id: ${violation.kind === "duplicate" ? "duplicate" : "out-of-order"} seq_id ${seqId} for model ${model.modelId} (last accepted ${violation.lastSeqId})`,
    );
  }
  const requestId = state.futures.submit(`model:${model.modelId}`, () => work(model));
  return { status: 200, body: { request_id: requestId, model_id: model.modelId } };
}

/** Registers the training routes. */
export function trainingRoutes(router: Router, state: EmulatorState): void {
  for (const [path, field, backward] of [
    ["/api/v1/forward", "forward_input", false],
    ["/api/v1/forward_backward", "forward_backward_input", true],
  ] as const) {
    router.add("POST", path, (ctx) => {
      const b = bodyObject(ctx.body);
      const { batch, lossFn, config } = parseInput(objField(b, field), field);
      return submitTraining(state, ctx, b, (m) => {
        const out = backward
          ? m.model.forwardBackward(batch, lossFn, config)
          : m.model.forward(batch, lossFn, config);
        return {
          loss_fn_output_type: lossFn,
          loss_fn_outputs: out.lossFnOutputs.map((o) =>
            Object.fromEntries(Object.entries(o).map(([k, t]) => [k, tensorToWire(t)])),
          ),
          metrics: { ...out.metrics },
        };
      });
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
    return submitTraining(state, ctx, b, (m) => ({
      path: state.store.saveCheckpoint(m, "weights", name, m.model.saveState()),
      type: "save_weights",
    }));
  });

  router.add("POST", "/api/v1/load_weights", (ctx) => {
    const b = bodyObject(ctx.body);
    const path = strField(b, "path");
    return submitTraining(state, ctx, b, (m) => {
      let data: Uint8Array;
      try {
        data = state.store.readCheckpoint(path, "path", "weights").data;
      } catch (err) {
        throw new FutureFailure(err instanceof Error ? err.message : String(err), "user");
      }
      m.model.loadState(data);
      return { path, type: "load_weights" };
    });
  });

  router.add("POST", "/api/v1/save_weights_for_sampler", (ctx) => {
    const b = bodyObject(ctx.body);
    const name = optStr(b, "path");
    const samplingSeq = optInt(b, "sampling_session_seq_id");
    if (name === null && samplingSeq === null) {
      throw new HttpError(400, "path: either path or sampling_session_seq_id is required");
    }
    return submitTraining(state, ctx, b, (m) => {
      if (name !== null) {
        const path = state.store.saveCheckpoint(m, "sampler_weights", name, m.model.saveSamplerWeights());
        return { path, sampling_session_id: null, type: "save_weights_for_sampler" };
      }
      const rec = state.store.createSampling(m.baseModel, null, m.model.snapshotSampler());
      return { path: null, sampling_session_id: rec.samplingSessionId, type: "save_weights_for_sampler" };
    });
  });
}
