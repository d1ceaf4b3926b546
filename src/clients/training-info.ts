/**
 * A TrainingClient's model information: `get_info` (SDK-level retries) and the tokenizer it names.
 * The tokenizer lookup sends get_info outside the retry loop (both SDKs) and picks the tokenizer by
 * the generation's naming rules (0.25.0 cuts `:…` suffixes, fact 25); files are found locally.
 */
import { BadResponseError } from "../errors/index.js";
import { joinSignals, type RequestCallOptions } from "../core/deadline.js";
import { loadTokenizer, type Tokenizer, type TokenizerLocation } from "../tokenizer/index.js";
import { RESPONSES } from "../types/parse.js";
import { encodeGetInfoRequest } from "../types/requests.js";
import type { GetInfoResponse } from "../types/responses.js";
import { executeWithRetries } from "./retry.js";
import type { TrainingOps } from "./training-ops.js";

async function requestInfo(ops: TrainingOps, signal: AbortSignal): Promise<GetInfoResponse> {
  const h = ops.holder;
  const res = await h.transport.request({
    method: "POST",
    path: "/api/v1/get_info",
    body: h.codec.get_info.encode(encodeGetInfoRequest(ops.modelId)),
    pool: "train",
    signal,
  });
  return RESPONSES.getInfo(res.body);
}

/** POST get_info with SDK-level retries. */
export function getInfo(ops: TrainingOps, options?: RequestCallOptions): Promise<GetInfoResponse> {
  const h = ops.holder;
  return h.call("TrainingClient.getInfo", options, (callSignal) => {
    const signal = joinSignals(callSignal, h.operationSignal());
    return executeWithRetries(() => requestInfo(ops, signal), {
      deps: h.deps,
      telemetry: h.telemetry,
      logger: h.logger,
      signal,
      name: "get_info",
      billing: h.billingFor("get_info"),
    });
  });
}

/** get_info (no SDK-level retry), then the tokenizer of `model_data` under the generation's rules. */
export function getTrainingTokenizer(
  ops: TrainingOps,
  options?: RequestCallOptions,
  location: TokenizerLocation = {},
): Promise<Tokenizer> {
  const h = ops.holder;
  return h.call("TrainingClient.getTokenizer", options, async (callSignal) => {
    const info = await requestInfo(ops, joinSignals(callSignal, h.operationSignal()));
    const modelName = info.model_data.model_name ?? info.model_name;
    if (!modelName) {
      throw new BadResponseError("get_info returned no model name", {
        body: info,
        field: "model_data.model_name",
      });
    }
    return loadTokenizer(modelName, info.model_data.tokenizer_id ?? null, location, h.env, h.generation.name);
  });
}
