import { ValidationError } from "../../../src/errors/index.js";
import { describe, expect, it } from "vitest";
import {
  chunkLength,
  datum,
  decodeChunk,
  encodeDatum,
  imageChunk,
  ModelInput,
  TensorData,
} from "../../../src/types/index.js";
import { fieldOf } from "./field-of.js";

describe("ModelInput", () => {
  it("fromInts/toInts/length/appendInt/append", () => {
    const mi = ModelInput.fromInts([1, 2, 3]);
    expect(mi.toInts()).toEqual([1, 2, 3]);
    expect(mi.length).toBe(3);
    const more = mi.appendInt(4);
    expect(more.toInts()).toEqual([1, 2, 3, 4]);
    // 0.4.1 appends a new one-token chunk rather than extending the last one.
    expect(more.toJSON()).toEqual({ chunks: [{ tokens: [1, 2, 3] }, { tokens: [4] }] });
    expect(mi.toInts()).toEqual([1, 2, 3]); // original untouched
    expect(ModelInput.empty().appendInt(9).toJSON()).toEqual({ chunks: [{ tokens: [9] }] });
    const withImg = mi.append(
      imageChunk(new Uint8Array([1, 2, 3]), "png", { height: 2, width: 3, tokens: 5 }),
    );
    expect(withImg.length).toBe(8);
    expect(withImg.appendInt(7).chunks).toHaveLength(3);
    expect(() => withImg.toInts()).toThrow(ValidationError);
  });

  it("wire JSON drops the type discriminator (0.4.1 exclude_unset)", () => {
    const mi = new ModelInput([
      { type: "encoded_text", tokens: [1] },
      { type: "image", data: "AQID", format: "jpeg", height: 16, width: 32, tokens: 6 },
      { type: "image_asset_pointer", format: "png", location: "s3://x", height: 8, width: 8, tokens: 4 },
    ]);
    const json = mi.toJSON();
    expect(json).toEqual({
      chunks: [
        { tokens: [1] },
        { data: "AQID", format: "jpeg", height: 16, tokens: 6, width: 32 },
        { format: "png", height: 8, location: "s3://x", tokens: 4, width: 8 },
      ],
    });
    // 0.4.1's field order, and its `length` is `tokens`.
    expect(Object.keys(json.chunks[1] ?? {})).toEqual(["data", "format", "height", "tokens", "width"]);
    expect(mi.length).toBe(11);
    expect(JSON.parse(JSON.stringify(mi))).toEqual(json);
    expect(ModelInput.from(json).chunks).toEqual(mi.chunks);
    expect(ModelInput.from(mi)).toBe(mi);
    const size = { height: 1, width: 2, tokens: 2 };
    expect(imageChunk(new Uint8Array([1, 2, 3]), "png", size).data).toBe("AQID");
    expect(imageChunk("AQID", "png", size).tokens).toBe(2);
    expect(decodeChunk({ type: "encoded_text", tokens: [5] })).toEqual({ type: "encoded_text", tokens: [5] });
  });

  it("refuses non-integer tokens and bad chunks, naming the field", () => {
    expect(fieldOf(() => ModelInput.fromInts([1, 2.5]))).toBe("model_input.chunks[0].tokens[1]");
    expect(fieldOf(() => ModelInput.fromInts([1]).appendInt(Number.NaN))).toBe("token");
    expect(fieldOf(() => ModelInput.from({ chunks: "x" } as never))).toBe("model_input.chunks");
    const size = { height: 1, width: 1, tokens: 1 };
    expect(
      fieldOf(() => new ModelInput([{ type: "image", data: "", format: "gif" as never, ...size }])),
    ).toBe("model_input.chunks[0].format");
    // 0.4.1 requires height, width and tokens on image chunks.
    expect(fieldOf(() => new ModelInput([{ type: "image", data: "", format: "png" } as never]))).toBe(
      "model_input.chunks[0].height",
    );
    expect(
      fieldOf(
        () =>
          new ModelInput([
            { type: "image_asset_pointer", format: "png", location: "x", height: 1, width: 1 } as never,
          ]),
      ),
    ).toBe("model_input.chunks[0].tokens");
    expect(fieldOf(() => new ModelInput([{ type: "bogus" } as never]))).toBe("model_input.chunks[0].type");
    expect(fieldOf(() => new ModelInput([{ type: "encoded_text", tokens: 3 } as never]))).toBe(
      "model_input.chunks[0].tokens",
    );
    expect(chunkLength({ type: "image", data: "", format: "png", ...size })).toBe(1);
  });
});

describe("TensorData", () => {
  it("fromArray infers int64 for integers and float32 otherwise", () => {
    expect(TensorData.fromArray([1, 2]).dtype).toBe("int64");
    expect(TensorData.fromArray([1, 2.5]).dtype).toBe("float32");
    expect(TensorData.fromArray([1, 2], "float32").toJSON()).toEqual({
      data: [1, 2],
      dtype: "float32",
      shape: [2],
    });
    // An unset shape is not sent at all (0.4.1 exclude_unset), rather than sent as null.
    expect(TensorData.fromArray([1, 2], "float32", null).toJSON()).toEqual({
      data: [1, 2],
      dtype: "float32",
    });
    expect(TensorData.fromArray([1, 2, 3, 4], "int64", [2, 2]).toJSON().shape).toEqual([2, 2]);
  });

  it("typed arrays round-trip", () => {
    const f = TensorData.fromTypedArray(new Float32Array([0.5, 1.5]));
    expect(f.toJSON()).toEqual({ data: [0.5, 1.5], dtype: "float32", shape: [2] });
    expect(Array.from(f.toFloat32Array())).toEqual([0.5, 1.5]);
    expect(Array.from(f.toFloat64Array())).toEqual([0.5, 1.5]);
    expect(TensorData.fromTypedArray(new Float64Array([0.25])).dtype).toBe("float32");
    const i = TensorData.fromTypedArray(new Int32Array([1, -2, 3, 4]), [2, 2]);
    expect(i.dtype).toBe("int64");
    expect(Array.from(i.toInt32Array())).toEqual([1, -2, 3, 4]);
    const b = TensorData.fromTypedArray(new BigInt64Array([5n, -6n]));
    expect(b.toArray()).toEqual([5, -6]);
    expect(Array.from(b.toBigInt64Array())).toEqual([5n, -6n]);
    expect(fieldOf(() => TensorData.fromTypedArray(new BigInt64Array([2n ** 60n])))).toBe("tensor.data[0]");
    expect(fieldOf(() => TensorData.fromArray([2 ** 40]).toInt32Array())).toBe("tensor.data[0]");
    expect(TensorData.fromJSON({ data: [1], dtype: "int64" }).shape).toBeNull();
  });

  it("validation: non-integers in int64, NaN/Infinity, shape mismatch, bad dtype", () => {
    expect(fieldOf(() => new TensorData([1, 1.5], "int64"))).toBe("tensor.data[1]");
    expect(fieldOf(() => new TensorData([Number.NaN], "float32"))).toBe("tensor.data[0]");
    expect(fieldOf(() => new TensorData([1, Number.POSITIVE_INFINITY], "float32"))).toBe("tensor.data[1]");
    expect(fieldOf(() => new TensorData([1, 2, 3], "float32", [2, 2]))).toBe("tensor.shape");
    expect(fieldOf(() => new TensorData([1], "float32", [-1]))).toBe("tensor.shape[0]");
    expect(fieldOf(() => new TensorData([1], "float32", "x" as never))).toBe("tensor.shape");
    expect(fieldOf(() => new TensorData([1], "float64" as never))).toBe("tensor.dtype");
    expect(fieldOf(() => new TensorData("x" as never, "float32"))).toBe("tensor.data");
    expect(fieldOf(() => TensorData.fromJSON(null, "out"))).toBe("out");
  });
});

describe("datum", () => {
  it("infers dtype from the key for plain arrays, as 0.4.1's table", () => {
    const d = datum({
      model_input: ModelInput.fromInts([1, 2]),
      loss_fn_inputs: {
        target_tokens: [2, 3],
        weights: [1, 1],
        advantages: [0.5, 1],
        logprobs: [-1, -2],
        clip_low_threshold: [0.8, 0.8],
        clip_high_threshold: [1.2, 1.2],
      },
    });
    const enc = encodeDatum(d);
    expect(enc.loss_fn_inputs.target_tokens).toEqual({ data: [2, 3], dtype: "int64", shape: [2] });
    // integers under "weights" are still float32: the key decides, not the values
    expect(enc.loss_fn_inputs.weights).toEqual({ data: [1, 1], dtype: "float32", shape: [2] });
    for (const k of ["advantages", "logprobs", "clip_low_threshold", "clip_high_threshold"]) {
      expect(enc.loss_fn_inputs[k]?.dtype).toBe("float32");
    }
    expect(enc.model_input).toEqual({ chunks: [{ tokens: [1, 2] }] });
  });

  it("encodes a snapshot: arrays the caller changes afterwards do not reach the wire", () => {
    const tokens = [1, 2, 3];
    const weights = new Float32Array([0.5, 0.5, 0.5]);
    const targets = [2, 3, 4];
    const enc = encodeDatum(
      datum({
        model_input: new ModelInput([{ type: "encoded_text", tokens }]),
        loss_fn_inputs: { weights, target_tokens: targets },
      }),
    );
    tokens[0] = 99;
    weights[0] = 9;
    targets[0] = 99;
    expect(enc.model_input).toEqual({ chunks: [{ tokens: [1, 2, 3] }] });
    expect(enc.loss_fn_inputs.weights?.data).toEqual([0.5, 0.5, 0.5]);
    expect(enc.loss_fn_inputs.target_tokens?.data).toEqual([2, 3, 4]);
  });

  it("accepts typed arrays, TensorData and wire JSON", () => {
    const td = TensorData.fromArray([1], "float32");
    const d = datum({
      model_input: { chunks: [{ tokens: [1] }] },
      loss_fn_inputs: {
        target_tokens: new Int32Array([4]),
        mask: td,
        extra: { data: [1, 2], dtype: "float32", shape: null },
      },
    });
    expect(d.loss_fn_inputs.target_tokens?.dtype).toBe("int64");
    expect(d.loss_fn_inputs.mask).toBe(td);
    // An unset shape is left out of the JSON (0.4.1 exclude_unset), not sent as null.
    expect(d.loss_fn_inputs.extra?.toJSON()).toEqual({ data: [1, 2], dtype: "float32" });
    expect(d.model_input).toBeInstanceOf(ModelInput);
  });

  it("an inferred dtype gives way to the key's: fromArray([1, 0, 1]) as weights is float32", () => {
    const inferred = TensorData.fromArray([1, 0, 1]);
    expect(inferred.dtype).toBe("int64"); // by its values alone
    const d = datum({
      model_input: { chunks: [{ tokens: [5, 6, 7] }] },
      loss_fn_inputs: {
        weights: inferred,
        advantages: new Int32Array([1, -1, 0]),
        target_tokens: TensorData.fromArray([6, 7, 8]),
      },
    });
    expect(d.loss_fn_inputs.weights?.dtype).toBe("float32");
    expect(d.loss_fn_inputs.advantages?.dtype).toBe("float32");
    expect(d.loss_fn_inputs.target_tokens?.dtype).toBe("int64");
    expect(encodeDatum({ ...d, loss_fn_inputs: { weights: inferred } }).loss_fn_inputs.weights?.dtype).toBe(
      "float32",
    );
    // A dtype the caller chose is kept (and then refused by the shape checks), and a fractional
    // inferred tensor never becomes int64.
    const chosen = TensorData.fromArray([1, 0, 1], "int64");
    expect(
      datum({ model_input: ModelInput.empty(), loss_fn_inputs: { weights: chosen } }).loss_fn_inputs.weights,
    ).toBe(chosen);
    const frac = datum({
      model_input: ModelInput.empty(),
      loss_fn_inputs: { target_tokens: TensorData.fromArray([0.5]) },
    });
    expect(frac.loss_fn_inputs.target_tokens?.dtype).toBe("float32");
  });

  it("refuses unknown keys for plain arrays and bad values, naming the field", () => {
    expect(fieldOf(() => datum({ model_input: ModelInput.empty(), loss_fn_inputs: { mystery: [1] } }))).toBe(
      "loss_fn_inputs.mystery",
    );
    expect(
      fieldOf(() => datum({ model_input: ModelInput.empty(), loss_fn_inputs: { target_tokens: [1.5] } })),
    ).toBe("loss_fn_inputs.target_tokens.data[0]");
    expect(
      fieldOf(() => datum({ model_input: ModelInput.empty(), loss_fn_inputs: { weights: [Number.NaN] } })),
    ).toBe("loss_fn_inputs.weights.data[0]");
    expect(
      fieldOf(() =>
        datum({
          model_input: ModelInput.empty(),
          loss_fn_inputs: { target_tokens: new BigInt64Array([2n ** 62n]) },
        }),
      ),
    ).toBe("loss_fn_inputs.target_tokens.data[0]");
    expect(fieldOf(() => datum({ model_input: ModelInput.empty(), loss_fn_inputs: null as never }))).toBe(
      "loss_fn_inputs",
    );
  });
});
