/** Result parsers for client futures: wire JSON → typed results, failures as TinkerError. */
import { TinkerError } from "../errors/index.js";
import {
  parseObjectWith,
  parseUntypedAPIFuture,
  type LoadWeightsResponse,
  type OptimStepResponse,
  type SaveWeightsForSamplerResponse,
  type SaveWeightsResponse,
  type UntypedAPIFuture,
} from "../types/index.js";

/**
 * Wrap a parser so a malformed result fails as a TinkerError ("Error retrieving result: …", code
 * TINKER_INVALID_RESULT) with the parse error as cause, like 0.4.1's ValueError; never retried.
 */
export function resultParser<T>(typeName: string, parse: (body: unknown) => T): (body: unknown) => T {
  return (body) => {
    try {
      return parse(body);
    } catch (error) {
      const msg = error instanceof Error ? error.message : String(error);
      throw new TinkerError(
        `Error retrieving result: ${msg} (expected ${typeName})`,
        "TINKER_INVALID_RESULT",
        {
          cause: error,
        },
      );
    }
  };
}

/** The `{request_id}` answer of a submit. */
export function untypedFuture(body: unknown): UntypedAPIFuture {
  return resultParser("UntypedAPIFuture", parseUntypedAPIFuture)(body);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** optim_step result: `metrics` must be an object of numbers or null/absent. */
export function parseOptimStep(body: unknown): OptimStepResponse {
  if (!isObject(body)) throw new TypeError("OptimStepResponse: expected an object");
  const m = body.metrics;
  if (m !== undefined && m !== null) {
    if (!isObject(m)) throw new TypeError("metrics: Input should be a valid dictionary");
    for (const [k, v] of Object.entries(m)) {
      if (typeof v !== "number") throw new TypeError(`metrics.${k}: expected a number`);
    }
  }
  return body as OptimStepResponse;
}

/** save_weights result. */
export function parseSaveWeights(body: unknown): SaveWeightsResponse {
  return parseObjectWith<SaveWeightsResponse>(body, "SaveWeightsResponse", ["path"]);
}

/** load_weights result. */
export function parseLoadWeights(body: unknown): LoadWeightsResponse {
  return parseObjectWith<LoadWeightsResponse>(body, "LoadWeightsResponse", []);
}

/** save_weights_for_sampler result (path and/or sampling_session_id). */
export function parseSaveWeightsForSampler(body: unknown): SaveWeightsForSamplerResponse {
  return parseObjectWith<SaveWeightsForSamplerResponse>(body, "SaveWeightsForSamplerResponse", []);
}
