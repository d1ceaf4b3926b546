/**
 * Sampling routes: `create_sampling_session` (direct) and `asample` (a future).
 */
import type { EngineSampler, EngineSamplingParams } from "../engine.js";
import { HttpError } from "../http-util.js";
import type { Router } from "../router.js";
import {
  bodyObject,
  boolField,
  intField,
  type JsonObject,
  modelInputTokens,
  numField,
  objField,
  optInt,
  optStr,
  strField,
} from "../validation.js";
import type { EmulatorState } from "./context.js";
import { capAt, type EmulatorLimits } from "../limits.js";

/** `max_tokens` when the request leaves it unset. */
const DEFAULT_MAX_TOKENS = 16;

function parseParams(p: JsonObject, limits: EmulatorLimits): EngineSamplingParams {
  const stop = p.stop;
  let stops: string[] | number[] = [];
  if (typeof stop === "string") stops = [stop];
  else if (Array.isArray(stop) && stop.every((s) => typeof s === "string")) stops = stop as string[];
  else if (Array.isArray(stop) && stop.every((s) => Number.isInteger(s))) stops = stop as number[];
  else if (stop !== undefined && stop !== null) {
    throw new HttpError(422, "sampling_params.stop: expected a string, strings or token ids");
  }
  const maxTokens = optInt(p, "max_tokens", "sampling_params.") ?? DEFAULT_MAX_TOKENS;
  if (maxTokens < 0) throw new HttpError(400, "sampling_params.max_tokens: must not be negative");
  capAt(maxTokens, limits.maxSampleTokens, "sampling_params.max_tokens", "tokens");
  const temperature = numField(p, "temperature", 1, "sampling_params.");
  if (temperature < 0) throw new HttpError(400, "sampling_params.temperature: must not be negative");
  const topP = numField(p, "top_p", 1, "sampling_params.");
  if (topP < 0 || topP > 1) throw new HttpError(400, "sampling_params.top_p: must be between 0 and 1");
  return {
    maxTokens,
    temperature,
    topK: optInt(p, "top_k", "sampling_params.") ?? -1,
    topP,
    seed: optInt(p, "seed", "sampling_params."),
    stop: stops,
  };
}

/** Registers the sampling routes. */
export function samplingRoutes(router: Router, state: EmulatorState): void {
  const { store } = state;

  /** A sampler for a model path (sampler checkpoint) or a base model. */
  const samplerFor = (
    modelPath: string | null,
    baseModel: string | null,
  ): { base: string; s: EngineSampler } => {
    if (modelPath !== null) {
      const { run, data } = store.readCheckpoint(modelPath, "model_path", "sampler_weights");
      return { base: run.baseModel, s: store.engine.createSampler(run.baseModel, data) };
    }
    if (baseModel === null)
      throw new HttpError(400, "base_model: either base_model or model_path is required");
    if (!store.engine.supportedModels.includes(baseModel)) {
      throw new HttpError(400, `base_model: ${baseModel} is not supported by this server`);
    }
    return { base: baseModel, s: store.engine.createSampler(baseModel, null) };
  };

  router.add("POST", "/api/v1/create_sampling_session", ({ body }) => {
    const b = bodyObject(body);
    store.session(strField(b, "session_id"));
    intField(b, "sampling_session_seq_id");
    const modelPath = optStr(b, "model_path");
    const { base, s } = samplerFor(modelPath, optStr(b, "base_model"));
    const rec = store.createSampling(base, modelPath, s);
    return {
      status: 200,
      body: { type: "create_sampling_session", sampling_session_id: rec.samplingSessionId },
    };
  });

  // Added to the API after 0.4.1 (SamplingClient.get_base_model / get_tokenizer use it).
  router.add("GET", "/api/v1/samplers/:id", ({ params }) => {
    const rec = store.sampling.get(params.id ?? "");
    if (!rec) throw new HttpError(404, `Sampler ${params.id} not found`);
    return {
      status: 200,
      body: { sampler_id: rec.samplingSessionId, base_model: rec.baseModel, model_path: rec.modelPath },
    };
  });

  router.add("POST", "/api/v1/asample", ({ body }) => {
    const b = bodyObject(body);
    const numSamples = optInt(b, "num_samples") ?? 1;
    if (numSamples < 1) throw new HttpError(400, "num_samples: must be at least 1");
    capAt(numSamples, state.limits.maxNumSamples, "num_samples", "samples");
    const params = parseParams(objField(b, "sampling_params"), state.limits);
    capAt(
      numSamples * params.maxTokens,
      state.limits.maxGeneratedTokens,
      "num_samples",
      "× sampling_params.max_tokens generated tokens",
    );
    const promptLogprobs = boolField(b, "prompt_logprobs", false);
    const topk = optInt(b, "topk_prompt_logprobs") ?? 0;
    const sessionId = optStr(b, "sampling_session_id");
    let sampler: EngineSampler;
    let base: string;
    if (sessionId !== null) {
      const rec = store.sampling.get(sessionId);
      if (!rec) throw new HttpError(404, `Sampling session ${sessionId} not found`);
      sampler = rec.sampler;
      base = rec.baseModel;
    } else {
      ({ s: sampler, base } = samplerFor(optStr(b, "model_path"), optStr(b, "base_model")));
    }
    const vocab = store.engine.vocabSize?.(base) ?? Number.POSITIVE_INFINITY;
    const prompt = modelInputTokens(b.prompt, "prompt", vocab);
    capAt(prompt.length, state.limits.maxTokens, "prompt", "tokens");
    for (const id of params.stop) {
      if (typeof id === "number" && (id < 0 || id >= vocab)) {
        throw new HttpError(
          400,
          `sampling_params.stop: token id ${id} is outside the vocabulary (size ${vocab})`,
        );
      }
    }
    const requestId = state.futures.submit(`sample:${sessionId ?? "direct"}`, async () => {
      const opts = { promptLogprobs, topkPromptLogprobs: topk };
      // The async form yields to the event loop, so a long generation never freezes the server.
      const out = await (sampler.sampleAsync?.(prompt, numSamples, params, opts) ??
        sampler.sample(prompt, numSamples, params, opts));
      return {
        type: "sample",
        sequences: out.sequences.map((q) => ({
          stop_reason: q.stopReason,
          tokens: q.tokens,
          logprobs: q.logprobs,
        })),
        prompt_logprobs: promptLogprobs ? (out.promptLogprobs ?? null) : null,
        topk_prompt_logprobs: topk > 0 ? (out.topkPromptLogprobs ?? null) : null,
      };
    });
    return { status: 200, body: { request_id: requestId } };
  });
}
