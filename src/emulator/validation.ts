/**
 * Request validation: each failure answers 422 with a FastAPI-like `detail` list naming the field,
 * so clients see which field was wrong, as with the real service.
 */
import { datumProblem, type TensorLike } from "../types/datum-checks.js";
import type { LossFnType } from "../types/enums.js";
import { HttpError } from "./http-util.js";

/** A JSON object as read from a request body. */
export type JsonObject = Record<string, unknown>;

function fail(field: string, msg: string, type: string): never {
  throw new HttpError(422, [{ type, loc: ["body", ...field.split(".")], msg: `${field}: ${msg}` }]);
}

/** The request body as an object, or 422. */
export function bodyObject(body: unknown): JsonObject {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    fail("body", "expected a JSON object", "dict_type");
  }
  return body as JsonObject;
}

/** A nested object field. */
export function objField(o: JsonObject, key: string, prefix = ""): JsonObject {
  const v = o[key];
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    fail(prefix + key, v === undefined ? "Field required" : "expected an object", "dict_type");
  }
  return v as JsonObject;
}

/** A required non-empty string field. */
export function strField(o: JsonObject, key: string, prefix = ""): string {
  const v = o[key];
  if (v === undefined) fail(prefix + key, "Field required", "missing");
  if (typeof v !== "string" || v === "") fail(prefix + key, "expected a non-empty string", "string_type");
  return v;
}

/** An optional string field (`null`/absent → `null`). */
export function optStr(o: JsonObject, key: string, prefix = ""): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") fail(prefix + key, "expected a string", "string_type");
  return v;
}

/**
 * An optional integer field (`null`/absent → `null`). Integers must be exact (within ±2^53), as a
 * 64-bit field of the service would need: `1e300` is refused rather than stored.
 */
export function optInt(o: JsonObject, key: string, prefix = ""): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isInteger(v)) fail(prefix + key, "expected an integer", "int_type");
  if (!Number.isSafeInteger(v)) {
    fail(prefix + key, "integer out of range (must be within ±9007199254740991)", "int_range");
  }
  return v;
}

/** An optional integer field that must not be negative. */
export function optNonNegInt(o: JsonObject, key: string, prefix = ""): number | null {
  const v = optInt(o, key, prefix);
  if (v !== null && v < 0) fail(prefix + key, "must not be negative", "greater_than_equal");
  return v;
}

/** A required integer field. */
export function intField(o: JsonObject, key: string, prefix = ""): number {
  const v = optInt(o, key, prefix);
  if (v === null) fail(prefix + key, "Field required", "missing");
  return v;
}

/** An optional number field with a default. */
export function numField(o: JsonObject, key: string, dflt: number, prefix = ""): number {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) fail(prefix + key, "expected a number", "float_type");
  return v;
}

/** An optional boolean field with a default. */
export function boolField(o: JsonObject, key: string, dflt: boolean, prefix = ""): boolean {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") fail(prefix + key, "expected a boolean", "bool_type");
  return v;
}

/** A required array field. */
export function arrField(o: JsonObject, key: string, prefix = ""): unknown[] {
  const v = o[key];
  if (v === undefined) fail(prefix + key, "Field required", "missing");
  if (!Array.isArray(v)) fail(prefix + key, "expected a list", "list_type");
  return v;
}

const IMAGE_FORMATS = ["png", "jpeg"];

/**
 * The positions an `ImageChunk` (`{data: base64, format, expected_tokens?}`, the JSON and the
 * protobuf form alike) takes in a model input: `expected_tokens` placeholder tokens (id 0). The
 * emulator does not decode images, so an image without `expected_tokens` takes no positions.
 */
function imagePositions(c: JsonObject, where: string): number[] {
  const data = c.data;
  if (typeof data !== "string" || data === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
    fail(`${where}.data`, "expected non-empty base64 image bytes", "string_type");
  }
  if (typeof c.format !== "string" || !IMAGE_FORMATS.includes(c.format)) {
    fail(`${where}.format`, "Input should be 'png' or 'jpeg'", "literal_error");
  }
  const n = c.expected_tokens;
  if (n === undefined || n === null) return [];
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    fail(`${where}.expected_tokens`, "expected a non-negative integer", "int_type");
  }
  return new Array<number>(n).fill(0);
}

/**
 * Token ids of a wire `ModelInput`: encoded-text chunks, and images as placeholder positions
 * (`imagePositions`); other chunk types are refused. Ids must be below `vocabSize` when it is given.
 */
export function modelInputTokens(value: unknown, field: string, vocabSize = Infinity): number[] {
  if (typeof value !== "object" || value === null) fail(field, "expected an object", "dict_type");
  const chunks = (value as JsonObject).chunks;
  if (!Array.isArray(chunks)) fail(`${field}.chunks`, "expected a list", "list_type");
  const out: number[] = [];
  chunks.forEach((chunk, i) => {
    const where = `${field}.chunks.${i}`;
    if (typeof chunk !== "object" || chunk === null) fail(where, "expected an object", "dict_type");
    const c = chunk as JsonObject;
    if (c.type === "image") {
      out.push(...imagePositions(c, where));
      return;
    }
    if (c.type !== undefined && c.type !== "encoded_text") {
      fail(`${where}.type`, `chunk type ${String(c.type)} is not supported by the emulator`, "value_error");
    }
    const tokens = arrField(c, "tokens", `${where}.`);
    tokens.forEach((t, j) => {
      if (typeof t !== "number" || !Number.isInteger(t) || t < 0) {
        fail(`${where}.tokens`, "expected non-negative integers", "int_type");
      }
      // Well-formed but meaningless for this model: a 400 naming the datum and token, as the
      // service answers (the SDK cannot check this: it does not know the vocabulary).
      if (t >= vocabSize) {
        throw new HttpError(
          400,
          `${sdkFieldName(where)}.tokens[${j}]: token id ${t} is outside the vocabulary (size ${vocabSize})`,
        );
      }
      out.push(t);
    });
  });
  return out;
}

/**
 * A body path in the form the SDK's errors use: `forward_backward_input.data.3.model_input.chunks.0`
 * → `data[3].model_input.chunks[0]`.
 */
function sdkFieldName(path: string): string {
  return path.replace(/^(forward_backward_input|forward_input)\./, "").replace(/\.(\d+)(?=\.|$)/g, "[$1]");
}

/** A wire `TensorData` (`{data, dtype, shape}`) checked for consistency. */
export function tensor(
  value: unknown,
  field: string,
): { data: number[]; dtype: "int64" | "float32"; shape: number[] } {
  if (typeof value !== "object" || value === null) fail(field, "expected an object", "dict_type");
  const t = value as JsonObject;
  const data = arrField(t, "data", `${field}.`);
  if (!data.every((x) => typeof x === "number")) fail(`${field}.data`, "expected numbers", "float_type");
  const dtype = t.dtype;
  if (dtype !== "int64" && dtype !== "float32") {
    fail(`${field}.dtype`, "expected 'int64' or 'float32'", "literal_error");
  }
  const rawShape = t.shape;
  const shape = rawShape === undefined || rawShape === null ? [data.length] : rawShape;
  if (!Array.isArray(shape) || !shape.every((x) => Number.isInteger(x))) {
    fail(`${field}.shape`, "expected a list of integers", "list_type");
  }
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (size !== data.length)
    fail(`${field}.shape`, `shape does not match ${data.length} values`, "value_error");
  return { data: data as number[], dtype, shape: shape as number[] };
}

/**
 * The SDK's datum shape rules (types/datum-checks.ts), answered as a real server would: 400 with
 * a `detail` naming the datum and field, e.g. `data[3].loss_fn_inputs.weights: has 2 values…`.
 */
export function checkDatumShapes(
  batch: ReadonlyArray<{ tokens: readonly number[]; lossFnInputs: Readonly<Record<string, TensorLike>> }>,
  lossFn: LossFnType,
): void {
  batch.forEach((d, i) => {
    const problem = datumProblem(i, d.tokens.length, d.lossFnInputs, lossFn);
    if (problem !== undefined) throw new HttpError(400, `${problem[0]}: ${problem[1]}`);
  });
}
