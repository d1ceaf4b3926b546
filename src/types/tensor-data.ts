/** TensorData: a flat numeric array with dtype and optional shape, as 0.4.1 puts it on the wire. */
import { ValidationError } from "../errors/index.js";
import { assertFiniteArray, assertInt, assertIntArray, assertObject } from "./validation.js";

/** Element type of a tensor on the wire. */
export type TensorDtype = "int64" | "float32";

/** Wire shape of TensorData (`shape` is null when unset, as 0.4.1 serializes None). */
export interface TensorDataJSON {
  data: number[];
  dtype: TensorDtype;
  /** Omitted when unset (0.4.1 sends only fields that were set); `null` is accepted on input. */
  shape?: number[] | null;
}

/** Typed arrays accepted by `TensorData.fromTypedArray`. */
export type NumericTypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array;

/** Tensors whose dtype was guessed from their values rather than chosen by the caller. */
const INFERRED = new WeakSet<TensorData>();

/**
 * Whether `t`'s dtype was inferred (`fromArray` without a dtype, `fromTypedArray`), so that a loss
 * input whose key has a known dtype may take that dtype instead: `fromArray([1, 0, 1])` is int64 by
 * its values, but as `weights` it means float32. @internal
 */
export function dtypeWasInferred(t: TensorData): boolean {
  return INFERRED.has(t);
}

/** Flat tensor; validated on construction so bad values never reach the wire. */
export class TensorData {
  /** Flattened values. */
  readonly data: number[];
  /** Element type. */
  readonly dtype: TensorDtype;
  /** Dimensions, or null for "1-D, length of data". */
  readonly shape: number[] | null;

  constructor(
    data: readonly number[],
    dtype: TensorDtype,
    shape: readonly number[] | null = null,
    field = "tensor",
  ) {
    if (dtype !== "int64" && dtype !== "float32") {
      throw new ValidationError(`${field}.dtype`, `expected "int64" or "float32", got ${String(dtype)}`);
    }
    if (!Array.isArray(data)) throw new ValidationError(`${field}.data`, "expected an array");
    if (dtype === "int64") assertIntArray(data, `${field}.data`);
    else assertFiniteArray(data, `${field}.data`);
    if (shape != null) {
      if (!Array.isArray(shape)) throw new ValidationError(`${field}.shape`, "expected an array or null");
      shape.forEach((d, i) => {
        assertInt(d, `${field}.shape[${i}]`);
        if (d < 0) throw new ValidationError(`${field}.shape[${i}]`, `must be >= 0, got ${d}`);
      });
      const product = shape.reduce((a, b) => a * b, 1);
      if (product !== data.length) {
        throw new ValidationError(
          `${field}.shape`,
          `shape [${shape.join(", ")}] holds ${product} elements but data has ${data.length}`,
        );
      }
    }
    this.data = [...data];
    this.dtype = dtype;
    this.shape = shape == null ? null : [...shape];
  }

  /**
   * From a plain array; dtype defaults to int64 when every value is an integer, else float32 — but
   * a tensor whose dtype was left to inference takes the dtype of the loss input it is used as
   * (`weights`, `logprobs`, `advantages` are float32, `target_tokens` int64). The shape defaults to
   * `[data.length]`, as 0.4.1's `from_numpy` gives for a 1-D array; pass `null` to leave it unset
   * (then it is not sent).
   */
  static fromArray(
    data: readonly number[],
    dtype?: TensorDtype,
    shape?: readonly number[] | null,
  ): TensorData {
    const d = dtype ?? (data.every((v) => Number.isInteger(v)) ? "int64" : "float32");
    const t = new TensorData(data, d, shape === undefined ? [data.length] : shape);
    if (dtype === undefined) INFERRED.add(t);
    return t;
  }

  /** From a typed array: float arrays become float32, integer arrays int64 (0.4.1 maps numpy dtypes the same way). */
  static fromTypedArray(arr: NumericTypedArray, shape?: readonly number[] | null): TensorData {
    const s = shape ?? [arr.length];
    if (arr instanceof BigInt64Array) {
      const out: number[] = [];
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i] as bigint;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new ValidationError(
            `tensor.data[${i}]`,
            `int64 value ${v} is outside the safe integer range`,
          );
        }
        out.push(Number(v));
      }
      const t = new TensorData(out, "int64", s);
      INFERRED.add(t);
      return t;
    }
    const dtype: TensorDtype = arr instanceof Int32Array ? "int64" : "float32";
    const t = new TensorData(Array.from(arr), dtype, s);
    INFERRED.add(t);
    return t;
  }

  /** Parses wire JSON (throws ValidationError naming `field` on mismatch). */
  static fromJSON(json: unknown, field = "tensor"): TensorData {
    assertObject(json, field);
    const shape = json.shape === undefined ? null : (json.shape as number[] | null);
    return new TensorData(json.data as number[], json.dtype as TensorDtype, shape, field);
  }

  /** Copy of the flat values. */
  toArray(): number[] {
    return [...this.data];
  }

  /** Values as Float32Array. */
  toFloat32Array(): Float32Array {
    return Float32Array.from(this.data);
  }

  /** Values as Float64Array. */
  toFloat64Array(): Float64Array {
    return Float64Array.from(this.data);
  }

  /** Values as Int32Array (throws if any value does not fit). */
  toInt32Array(): Int32Array {
    this.data.forEach((v, i) => {
      if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) {
        throw new ValidationError(`tensor.data[${i}]`, `${v} does not fit in int32`);
      }
    });
    return Int32Array.from(this.data);
  }

  /** Values as BigInt64Array (integers only). */
  toBigInt64Array(): BigInt64Array {
    assertIntArray(this.data, "tensor.data");
    return BigInt64Array.from(this.data.map((v) => BigInt(v)));
  }

  /** Wire JSON (a copy: the caller may change it). */
  toJSON(): TensorDataJSON {
    const json: TensorDataJSON = { data: [...this.data], dtype: this.dtype };
    if (this.shape != null) json.shape = [...this.shape];
    return json;
  }
}
