/**
 * Shape checks of a datum against its loss function, made before anything is sent (0.4.1 makes
 * none, and the server's answer to a bad shape may be a silent, wrong loss): every loss input has
 * one value per model-input token (the off-by-one of the token shift is the commonest bug in
 * hand-built datums), the inputs a loss needs are present, known inputs have their dtype, and
 * target token ids are non-negative integers. Errors name the field as `data[i].loss_fn_inputs.k`.
 * The emulator applies the same rules (src/emulator/validation.ts), as a real server would.
 */
import { ValidationError } from "../errors/index.js";
import type { LossFnType } from "./enums.js";

/** The loss inputs each loss function needs (cross_entropy's `weights` is optional). */
const REQUIRED_LOSS_INPUTS: Readonly<Record<LossFnType, readonly string[]>> = {
  cross_entropy: ["target_tokens"],
  importance_sampling: ["target_tokens", "logprobs", "advantages"],
  ppo: ["target_tokens", "logprobs", "advantages"],
  cispo: ["target_tokens", "logprobs", "advantages"],
  dro: ["target_tokens", "logprobs", "advantages"],
};

/** The dtype of each loss input the server knows. */
const LOSS_INPUT_DTYPE: Readonly<Record<string, "int64" | "float32">> = {
  target_tokens: "int64",
  weights: "float32",
  advantages: "float32",
  logprobs: "float32",
};

/** The slice of a tensor the checks read (TensorData and its wire JSON both have it). */
export interface TensorLike {
  readonly data: ArrayLike<number>;
  readonly dtype: string;
  readonly shape?: readonly number[] | null;
}

/**
 * The first problem of datum `index` for `lossFn`, as `[field, message]`, or undefined. Shared by
 * the SDK ({@link checkDatumShapes}) and the emulator, so both name fields alike.
 */
export function datumProblem(
  index: number,
  modelInputLength: number,
  inputs: Readonly<Record<string, TensorLike>>,
  lossFn: LossFnType,
): [field: string, message: string] | undefined {
  const at = (key: string) => `data[${index}].loss_fn_inputs.${key}`;
  for (const key of REQUIRED_LOSS_INPUTS[lossFn] ?? []) {
    if (inputs[key] === undefined) return [at(key), `is required by the ${lossFn} loss`];
  }
  for (const [key, t] of Object.entries(inputs)) {
    const want = LOSS_INPUT_DTYPE[key];
    if (want !== undefined && t.dtype !== want) return [at(key), `must be ${want}, got ${t.dtype}`];
    const length = t.shape?.[0] ?? t.data.length;
    // A multi-dimensional tensor may also hold one value per token in another layout ([2,3] for 6).
    const perToken =
      length === modelInputLength || ((t.shape?.length ?? 0) > 1 && t.data.length === modelInputLength);
    if (!perToken) {
      return [
        at(key),
        `has ${length} values but model_input has ${modelInputLength} tokens (one value per input token; ` +
          "targets are the inputs shifted by one)",
      ];
    }
    if (key === "target_tokens") {
      for (let j = 0; j < t.data.length; j++) {
        const v = t.data[j] as number;
        if (!Number.isInteger(v) || v < 0)
          return [`${at(key)}[${j}]`, `must be a non-negative integer token id, got ${v}`];
      }
    }
  }
  return undefined;
}

/** Throws ValidationError naming `data[index].loss_fn_inputs.<key>` when a datum does not fit `lossFn`. */
export function checkDatumShapes(
  index: number,
  modelInputLength: number,
  inputs: Readonly<Record<string, TensorLike>>,
  lossFn: LossFnType,
): void {
  const problem = datumProblem(index, modelInputLength, inputs, lossFn);
  if (problem !== undefined) throw new ValidationError(problem[0], problem[1]);
}
