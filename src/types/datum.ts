/** Datum: one training example (model input + loss-function inputs), with 0.4.1's array conversion. */
import { ValidationError } from "../errors/index.js";
import { ModelInput, type ModelInputJSON } from "./model-input.js";
import {
  dtypeWasInferred,
  type NumericTypedArray,
  TensorData,
  type TensorDataJSON,
  type TensorDtype,
} from "./tensor-data.js";
import { assertObject } from "./validation.js";

/** One training example. */
export interface Datum {
  model_input: ModelInput;
  loss_fn_inputs: Record<string, TensorData>;
}

/** Wire shape of a Datum (0.4.1 field order: loss_fn_inputs first). */
export interface DatumJSON {
  loss_fn_inputs: Record<string, TensorDataJSON>;
  model_input: ModelInputJSON;
}

/** Values accepted for a loss-function input when building a Datum. */
export type LossFnInputValue = TensorData | TensorDataJSON | readonly number[] | NumericTypedArray;

/** Arguments of `datum()`. */
export interface DatumInit {
  model_input: ModelInput | ModelInputJSON;
  loss_fn_inputs: Record<string, LossFnInputValue>;
}

/**
 * dtype for plain lists keyed by name: 0.4.1 looks the key up in a fixed table and fails
 * (KeyError) for keys outside it, so we refuse those with a ValidationError instead.
 */
export const LOSS_FN_INPUT_DTYPES: Readonly<Record<string, TensorDtype>> = {
  target_tokens: "int64",
  weights: "float32",
  advantages: "float32",
  logprobs: "float32",
  clip_low_threshold: "float32",
  clip_high_threshold: "float32",
};

function isTypedArray(v: unknown): v is NumericTypedArray {
  return (
    v instanceof Float32Array ||
    v instanceof Float64Array ||
    v instanceof Int32Array ||
    v instanceof BigInt64Array
  );
}

/**
 * A tensor whose dtype was only inferred, given the dtype its key needs (int64 only when every value
 * is an integer, so that a real mistake still reaches the dtype check).
 */
function withKeyDtype(key: string, t: TensorData, field: string): TensorData {
  const want = LOSS_FN_INPUT_DTYPES[key];
  if (want === undefined || want === t.dtype || !dtypeWasInferred(t)) return t;
  if (want === "int64" && !t.data.every((v) => Number.isInteger(v))) return t;
  return new TensorData(t.data, want, t.shape, field);
}

/**
 * Converts one loss_fn_inputs value to TensorData as 0.4.1's Datum validator does; a tensor whose
 * dtype was inferred from its values (typed arrays, `TensorData.fromArray` without a dtype) takes
 * the dtype of a known key instead (a deviation: 0.4.1 would send int64 weights).
 */
export function toTensorData(key: string, value: LossFnInputValue): TensorData {
  const field = `loss_fn_inputs.${key}`;
  if (value instanceof TensorData) return withKeyDtype(key, value, field);
  if (isTypedArray(value)) {
    try {
      return withKeyDtype(key, TensorData.fromTypedArray(value), field);
    } catch (e) {
      if (e instanceof ValidationError) throw new ValidationError(field + e.field.slice(6), e.message);
      throw e;
    }
  }
  if (Array.isArray(value)) {
    const dtype = LOSS_FN_INPUT_DTYPES[key];
    if (dtype === undefined) {
      throw new ValidationError(
        field,
        `cannot infer dtype for plain array under unknown key "${key}"; pass TensorData`,
      );
    }
    // 0.4.1 treats a plain list as 1-D with shape [len].
    return new TensorData(value as number[], dtype, [value.length], field);
  }
  return TensorData.fromJSON(value, field);
}

/** Builds a Datum, converting plain arrays/typed arrays/JSON to TensorData and validating everything. */
export function datum(init: DatumInit): Datum {
  assertObject(init, "datum");
  assertObject(init.loss_fn_inputs, "loss_fn_inputs");
  const loss_fn_inputs: Record<string, TensorData> = {};
  for (const [key, value] of Object.entries(init.loss_fn_inputs))
    loss_fn_inputs[key] = toTensorData(key, value);
  return { model_input: ModelInput.from(init.model_input), loss_fn_inputs };
}

/** Wire JSON of a Datum. */
export function encodeDatum(d: Datum): DatumJSON {
  const loss_fn_inputs: Record<string, TensorDataJSON> = {};
  for (const [key, value] of Object.entries(d.loss_fn_inputs)) {
    loss_fn_inputs[key] = tensorWire(toTensorData(key, value));
  }
  return { loss_fn_inputs, model_input: ModelInput.from(d.model_input).toJSON() };
}

/**
 * Wire JSON sharing the tensor's own arrays, for request bodies that are serialized and dropped:
 * the tensor copied its values when it was made, so this is already a snapshot, and copying half
 * a million numbers again cost a tenth of encoding a large forward_backward chunk.
 */
function tensorWire(t: TensorData): TensorDataJSON {
  const json: TensorDataJSON = { data: t.data, dtype: t.dtype };
  if (t.shape != null) json.shape = t.shape;
  return json;
}
