/**
 * The arguments of `TrainingClient.forward` / `forwardBackward`: the loss config and per-call
 * options in either form, and the datums checked, encoded and split into chunks by the
 * generation's policy (0.4.1 numbers, or 0.25.0's estimated protobuf bytes under server caps).
 */
import type { RequestCallOptions } from "../core/deadline.js";
import { ValidationError } from "../errors/index.js";
import { type ChunkMeasure, type ChunkPlan, planChunks } from "../lib/chunking.js";
import { type Datum, type DatumJSON, encodeDatum } from "../types/datum.js";
import { checkDatumShapes } from "../types/datum-checks.js";
import type { LossFnType } from "../types/enums.js";
import type { LossFnConfig } from "../types/requests.js";

/** The wire datums of a call, checked (shapes against `lossFn`) and planned into chunks. */
export function planForwardChunks(
  data: readonly Datum[],
  lossFn: LossFnType,
  policy: ChunkMeasure & { readonly rejectEmpty?: boolean },
  /** false: skip the shape checks (`ForwardOptions.skipInputChecks`). */
  checkShapes = true,
): ChunkPlan<DatumJSON> {
  if (data.length === 0 && policy.rejectEmpty) throw new ValidationError("data", "No data provided");
  const encoded = data.map((d, i) => {
    const json = encodeDatumAt(d, i);
    // Checked in wire form: inferred dtypes have taken their key's dtype there.
    if (checkShapes) checkDatumShapes(i, d.model_input.length, json.loss_fn_inputs, lossFn);
    return json;
  });
  return planChunks(encoded, policy);
}

/** The wire form of `data[i]`, with errors naming the datum. */
function encodeDatumAt(d: Datum, i: number): DatumJSON {
  const field = `data[${i}]`;
  if (typeof d !== "object" || d === null) throw new ValidationError(field, "expected a datum object");
  if (typeof d.loss_fn_inputs !== "object" || d.loss_fn_inputs === null) {
    throw new ValidationError(`${field}.loss_fn_inputs`, "expected an object of tensors");
  }
  if (d.model_input === undefined) throw new ValidationError(`${field}.model_input`, "is required");
  return encodeDatum(d);
}

const CALL_OPTION_KEYS = ["signal", "headers", "maxRetries", "timeout", "lossFnConfig", "skipInputChecks"];

/**
 * The loss config and per-call options of forward/forwardBackward, from either form: positional
 * `(config, options)` or `(options)`. An object with any per-call option key is options (a loss
 * config never has those keys).
 */
export function splitLossArgs(
  configOrOptions: object | null | undefined,
  options: RequestCallOptions | undefined,
): [LossFnConfig | null | undefined, RequestCallOptions] {
  if (
    options === undefined &&
    typeof configOrOptions === "object" &&
    configOrOptions !== null &&
    CALL_OPTION_KEYS.some((k) => k in configOrOptions)
  ) {
    const { lossFnConfig, ...rest } = configOrOptions as RequestCallOptions & { lossFnConfig?: unknown };
    return [lossFnConfig as LossFnConfig | null | undefined, rest];
  }
  return [configOrOptions as LossFnConfig | null | undefined, options ?? {}];
}
