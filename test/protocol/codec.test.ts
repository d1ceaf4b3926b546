/** The 0.25.0 protobuf codec against the README's byte example, the SDK's conversions, and edge cases. */
import { describe, expect, it } from "vitest";
import { ModelInput, TensorData } from "../../src/index.js";
import { canonicalSha256, decodeToDisplay, sha256Hex } from "../../src/protocol/v0_25/codec.js";
import { DType } from "../../src/protocol/v0_25/enums.js";
import {
  decodeForwardBackwardRequest,
  encodeForwardBackwardRequest,
  type PbForwardBackwardRequest,
} from "../../src/protocol/v0_25/forward-backward-request.js";
import { forwardBackwardRequestToPb } from "../../src/protocol/v0_25/from-sdk.js";
import { int32Bytes, int64Bytes, readInt64Numbers } from "../../src/protocol/v0_25/le-arrays.js";
import { Reader, Writer, varintSize } from "../../src/protocol/v0_25/wire.js";
import { ValidationError } from "../../src/errors/index.js";
import type { Json } from "../parity-v0.25/golden.js";
import { line } from "./helpers.js";

const README_EXAMPLE_HEX = (
  "0a016d 1003 1a54 0a0c0a0a0a080500000006000000 1228 0a0d7461726765745f746f6b656e73 1217 0a10 " +
  "06000000000000000700000000000000 1802 2201 02 121a 0a0777656967687473 120f 0a08 0000803f0000003f " +
  "1801 2201 02 220d63726f73735f656e74726f7079 2a0f 0a0462657461 11000000000000e03f 3001"
).replaceAll(" ", "");

describe("README byte example (fact 6)", () => {
  const msg = () =>
    forwardBackwardRequestToPb({
      model_id: "m",
      seq_id: 3,
      data: [
        {
          model_input: ModelInput.fromInts([5, 6]),
          loss_fn_inputs: {
            target_tokens: TensorData.fromArray([6, 7], "int64"),
            weights: TensorData.fromArray([1, 0.5], "float32"),
          },
        },
      ],
      loss_fn: "cross_entropy",
      loss_fn_config: { beta: 0.5 },
      forward_only: true,
    });

  it("encodes to the 125 bytes the SDK wrote", () => {
    const bytes = encodeForwardBackwardRequest(msg());
    expect(bytes.byteLength).toBe(125);
    expect(Buffer.from(bytes).toString("hex")).toBe(README_EXAMPLE_HEX);
  });

  it("decodes back to the same message and re-encodes to the same bytes", () => {
    const bytes = Buffer.from(README_EXAMPLE_HEX, "hex");
    const decoded = decodeForwardBackwardRequest(bytes);
    expect(decoded.seq_id).toBe(3);
    expect(decoded.forward_only).toBe(true);
    expect(decoded.loss_fn_config).toEqual({ beta: 0.5 });
    expect(Buffer.from(encodeForwardBackwardRequest(decoded)).toString("hex")).toBe(README_EXAMPLE_HEX);
  });

  it("canonical hash does not depend on the map order the sender used", () => {
    // The same message with loss_fn_inputs entries swapped (weights first), as the SDK may write it.
    const m = msg();
    const datum = m.data?.[0];
    if (!datum?.loss_fn_inputs) throw new Error("no datum");
    const { target_tokens, weights } = datum.loss_fn_inputs as Record<string, NonNullable<unknown>>;
    const swapped = Buffer.from(README_EXAMPLE_HEX, "hex");
    const a = swapped.indexOf(Buffer.from("1228", "hex"), 16);
    const entryA = swapped.subarray(a, a + 0x2a);
    const entryB = swapped.subarray(a + 0x2a, a + 0x2a + 0x1c);
    const reordered = Buffer.concat([
      swapped.subarray(0, a),
      entryB,
      entryA,
      swapped.subarray(a + 0x2a + 0x1c),
    ]);
    expect(target_tokens).toBeDefined();
    expect(weights).toBeDefined();
    expect(sha256Hex(reordered)).not.toBe(sha256Hex(swapped));
    expect(canonicalSha256("tinker_public.ForwardBackwardRequest", reordered)).toBe(sha256Hex(swapped));
  });
});

describe("SDK objects → ForwardBackwardRequest, as the transcripts show", () => {
  it("training_proto:7 from today's TensorData (plain arrays)", () => {
    const l = line("training_proto", 7);
    const bytes = encodeForwardBackwardRequest(
      forwardBackwardRequestToPb({
        model_id: "sess-1:train:0",
        seq_id: 1,
        data: [
          {
            model_input: ModelInput.fromInts([11, 12, 13, 14, 15]),
            loss_fn_inputs: {
              target_tokens: TensorData.fromArray([12, 13, 14, 15, 16], "int64"),
              weights: TensorData.fromArray([0, 1, 1, 1, 1], "float32"),
            },
          },
          {
            model_input: ModelInput.fromInts([21, 22, 23]),
            loss_fn_inputs: {
              target_tokens: TensorData.fromArray([22, 23, 24], "int64"),
              weights: TensorData.fromArray([1, 1, 0.5], "float32"),
            },
          },
        ],
        loss_fn: "cross_entropy",
      }),
    );
    expect(decodeToDisplay("tinker_public.ForwardBackwardRequest", bytes)).toEqual(l.body);
    expect(canonicalSha256("tinker_public.ForwardBackwardRequest", bytes)).toBe(
      l.body_proto_canonical_sha256,
    );
  });

  it("training_zstd:7: int32 targets widen to INT64, float64 weights narrow to FLOAT32, [2,3] shape, images", () => {
    const l = line("training_zstd", 7);
    const png = (l.body as { data: { model_input: { image?: { data: { base64: string } } }[] }[] }).data[2]
      ?.model_input[1]?.image?.data.base64 as string;
    const jpeg = (l.body as { data: { model_input: { image?: { data: { base64: string } } }[] }[] }).data[3]
      ?.model_input[0]?.image?.data.base64 as string;
    const bytes = encodeForwardBackwardRequest(
      forwardBackwardRequestToPb({
        model_id: "sess-1:train:0",
        seq_id: 1,
        loss_fn: "cross_entropy",
        data: [
          {
            model_input: { chunks: [{ type: "encoded_text", tokens: Int32Array.of(5, 6, 7, 8) }] },
            loss_fn_inputs: {
              target_tokens: { data: Int32Array.of(6, 7, 8, 9), dtype: "int64", shape: [4] },
              weights: { data: Float64Array.of(0, 0.5, 1, 1), dtype: "float32", shape: [4] },
            },
          },
          {
            model_input: ModelInput.fromInts([1, 2, 3, 4, 5, 6]),
            loss_fn_inputs: {
              target_tokens: {
                data: BigInt64Array.of(2n, 3n, 4n, 5n, 6n, 7n),
                dtype: "int64",
                shape: [2, 3],
              },
              weights: { data: [1, 1, 1, 0.25, 0.25, 0.25], dtype: "float32", shape: [2, 3] },
            },
          },
          {
            model_input: {
              chunks: [
                { type: "encoded_text", tokens: [100, 101] },
                { type: "image", data: png, format: "png", expected_tokens: 4 },
                { type: "encoded_text", tokens: [102] },
              ],
            },
            loss_fn_inputs: {
              target_tokens: TensorData.fromArray([0, 0, 0, 0, 0, 0, 103], "int64"),
              weights: TensorData.fromArray([0, 0, 0, 0, 0, 0, 1], "float32"),
            },
          },
          {
            model_input: {
              chunks: [
                { type: "image", data: new Uint8Array(Buffer.from(jpeg, "base64")), format: "jpeg" },
                { type: "encoded_text", tokens: [7] },
              ],
            },
            loss_fn_inputs: { target_tokens: TensorData.fromArray([8], "int64") },
          },
        ],
      }),
    );
    expect(decodeToDisplay("tinker_public.ForwardBackwardRequest", bytes)).toEqual(l.body as Json);
    expect(bytes.byteLength).toBe(l.body_proto_bytes);
    expect(canonicalSha256("tinker_public.ForwardBackwardRequest", bytes)).toBe(
      l.body_proto_canonical_sha256,
    );
  });

  it("an image asset pointer has no protobuf form (ValidationError before anything is sent)", () => {
    expect(() =>
      forwardBackwardRequestToPb({
        model_id: "m",
        seq_id: 1,
        loss_fn: "cross_entropy",
        data: [
          {
            model_input: { chunks: [{ type: "image_asset_pointer", location: "s3://x", format: "png" }] },
            loss_fn_inputs: {},
          },
        ],
      }),
    ).toThrow(ValidationError);
  });

  it("sparse tensors go out as sparse_csr with int64 indices", () => {
    const m = forwardBackwardRequestToPb({
      model_id: "m",
      seq_id: 1,
      loss_fn: "cross_entropy",
      data: [
        {
          model_input: ModelInput.fromInts([1]),
          loss_fn_inputs: {
            weights: {
              data: [0.5],
              dtype: "float32",
              shape: [1, 3],
              sparse_crow_indices: [0, 1],
              sparse_col_indices: [2],
            },
          },
        },
      ],
    });
    const back = decodeToDisplay("tinker_public.ForwardBackwardRequest", encodeForwardBackwardRequest(m)) as {
      data: { loss_fn_inputs: { weights: Json } }[];
    };
    expect(back.data[0]?.loss_fn_inputs.weights).toEqual({
      sparse_csr: {
        values: { __bytes__: 4, le: "float32", values: [0.5] },
        crow_indices: { __bytes__: 16, le: "int64", values: [0, 1] },
        col_indices: { __bytes__: 8, le: "int64", values: [2] },
      },
      dtype: "DTYPE_FLOAT32",
      shape: [1, 3],
    });
  });
});

describe("wire primitives", () => {
  it("varints round-trip across sizes, negatives as 10 bytes", () => {
    for (const v of [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 31)]) {
      const w = new Writer(varintSize(v));
      w.varint(v);
      expect(w.pos).toBe(w.buf.byteLength);
      expect(new Reader(w.buf).varint()).toBe(v);
    }
    expect(varintSize(-1)).toBe(10);
  });

  it("int64 bytes of safe integers (including negatives and > 2^32) without BigInt", () => {
    const vals = [0, -1, 2 ** 40 + 5, -(2 ** 40) - 5, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    const bytes = int64Bytes(vals);
    expect(readInt64Numbers(bytes)).toEqual(vals);
    expect(Array.from(new BigInt64Array(bytes.buffer, bytes.byteOffset, vals.length))).toEqual(
      vals.map(BigInt),
    );
  });

  it("typed arrays of the wire dtype are views, not copies", () => {
    const tokens = Int32Array.of(1, 2, 3);
    expect(int32Bytes(tokens).buffer).toBe(tokens.buffer);
    const big = BigInt64Array.of(1n);
    expect(int64Bytes(big).buffer).toBe(big.buffer);
  });

  it("unknown fields are skipped; unpacked shapes are accepted", () => {
    const m: PbForwardBackwardRequest = {
      model_id: "m",
      data: [{ loss_fn_inputs: { t: { dense: new Uint8Array(8), dtype: DType.INT64, shape: [1] } } }],
    };
    const bytes = encodeForwardBackwardRequest(m);
    // Field 15 (varint 7) appended: an unknown field from a newer schema.
    const withUnknown = new Uint8Array(Buffer.concat([bytes, Buffer.from([0x78, 0x07])]));
    expect(decodeForwardBackwardRequest(withUnknown)).toEqual(decodeForwardBackwardRequest(bytes));
    // Datum{loss_fn_inputs{"t": Tensor{dtype INT64, shape 2, shape 3 (unpacked)}}}
    const unpacked = Uint8Array.from([
      0x1a, 0x0b, 0x12, 0x09, 0x0a, 0x01, 0x74, 0x12, 0x04, 0x20, 0x02, 0x20, 0x03,
    ]);
    expect(decodeForwardBackwardRequest(unpacked).data?.[0]?.loss_fn_inputs?.t?.shape).toEqual([2, 3]);
  });

  it("truncated input raises ProtoDecodeError", () => {
    const bytes = Buffer.from(README_EXAMPLE_HEX, "hex");
    expect(() => decodeForwardBackwardRequest(bytes.subarray(0, 40))).toThrow(/truncated/);
  });
});
