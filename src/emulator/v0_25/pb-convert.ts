/**
 * The emulator's bridge between the 0.25.0 protobuf messages and the JSON shapes its 0.4.1 routes
 * and engine already speak: a ForwardBackwardRequest becomes the `forward(_backward)_input` body,
 * and finished JSON results become ForwardBackwardOutput / SampleResponse bytes.
 */
import { DType } from "../../protocol/v0_25/enums.js";
import { encodeForwardBackwardOutput } from "../../protocol/v0_25/forward-backward-output.js";
import type {
  PbChunk,
  PbForwardBackwardRequest,
  PbTensor,
} from "../../protocol/v0_25/forward-backward-request.js";
import { readFloat32, readInt32, readInt64Numbers } from "../../protocol/v0_25/le-arrays.js";
import { forwardBackwardOutputToPb, sampleResponseToPb } from "../../protocol/v0_25/results.js";
import { encodeSampleResponse } from "../../protocol/v0_25/sample-response.js";
import { HttpError } from "../http-util.js";

type Json = unknown;

function values(bytes: Uint8Array | undefined, dtype: number | undefined, where: string): number[] {
  const b = bytes ?? new Uint8Array();
  try {
    if (dtype === DType.INT64) return readInt64Numbers(b);
    if (dtype === DType.FLOAT32) return Array.from(readFloat32(b));
    if (dtype === DType.INT32) return Array.from(readInt32(b));
  } catch (e) {
    throw new HttpError(422, `${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
  throw new HttpError(422, `${where}: unsupported dtype ${String(dtype)}`);
}

function tensorJson(t: PbTensor, where: string): Json {
  const dtype = t.dtype === DType.INT64 || t.dtype === DType.INT32 ? "int64" : "float32";
  const shape = t.shape && t.shape.length > 0 ? [...t.shape] : null;
  if (t.sparse_csr) {
    // The engine takes dense tensors: expand a 2-D CSR layout.
    const s = t.sparse_csr;
    const vals = values(s.values, t.dtype, `${where}.sparse_csr.values`);
    const crow = readInt64Numbers(s.crow_indices ?? new Uint8Array());
    const col = readInt64Numbers(s.col_indices ?? new Uint8Array());
    if (shape?.length !== 2) throw new HttpError(422, `${where}: sparse_csr needs a 2-D shape`);
    const [rows, cols] = shape as [number, number];
    const dense = new Array<number>(rows * cols).fill(0);
    for (let r = 0; r < rows; r++) {
      for (let k = crow[r] ?? 0; k < (crow[r + 1] ?? 0); k++) dense[r * cols + (col[k] ?? 0)] = vals[k] ?? 0;
    }
    return { data: dense, dtype, shape };
  }
  return { data: values(t.dense, t.dtype, `${where}.dense`), dtype, shape };
}

function chunkJson(c: PbChunk, where: string): Json {
  if (c.encoded_text)
    return { type: "encoded_text", tokens: Array.from(readInt32(c.encoded_text.tokens ?? new Uint8Array())) };
  if (c.image) {
    return {
      type: "image",
      data: Buffer.from(c.image.data ?? new Uint8Array()).toString("base64"),
      format: c.image.format ?? "",
      expected_tokens: c.image.expected_tokens ?? null,
    };
  }
  if (c.dmel) return { type: "dmel" };
  throw new HttpError(422, `${where}: empty chunk`);
}

/** The route path and JSON body the 0.4.1 training routes take for this protobuf request. */
export function forwardBackwardRequestAsJson(m: PbForwardBackwardRequest): { path: string; body: Json } {
  const field = m.forward_only ? "forward_input" : "forward_backward_input";
  const input = {
    data: (m.data ?? []).map((d, i) => ({
      model_input: {
        chunks: (d.model_input ?? []).map((c, j) => chunkJson(c, `data.${i}.model_input.${j}`)),
      },
      loss_fn_inputs: Object.fromEntries(
        Object.entries(d.loss_fn_inputs ?? {}).map(([k, t]) => [
          k,
          tensorJson(t, `data.${i}.loss_fn_inputs.${k}`),
        ]),
      ),
    })),
    loss_fn: m.loss_fn ?? "",
    loss_fn_config: m.loss_fn_config ?? null,
  };
  return {
    path: m.forward_only ? "/api/v1/forward" : "/api/v1/forward_backward",
    body: { model_id: m.model_id ?? "", seq_id: m.seq_id ?? 0, [field]: input },
  };
}

/** The result kinds that have a protobuf form. */
export type ProtobufResultKind = "ForwardBackwardOutput" | "SampleResponse";

/** Which protobuf message a finished JSON result is, by its shape (null: JSON only). */
export function protobufResultKind(body: unknown): ProtobufResultKind | null {
  if (typeof body !== "object" || body === null) return null;
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.sequences)) return "SampleResponse";
  if (Array.isArray(b.loss_fn_outputs) && typeof b.metrics === "object") return "ForwardBackwardOutput";
  return null;
}

/** Protobuf bytes of a finished JSON result of the given kind. */
export function encodeResult(kind: ProtobufResultKind, body: unknown): Uint8Array {
  if (kind === "SampleResponse") {
    return encodeSampleResponse(sampleResponseToPb(body as Parameters<typeof sampleResponseToPb>[0]));
  }
  return encodeForwardBackwardOutput(
    forwardBackwardOutputToPb(body as Parameters<typeof forwardBackwardOutputToPb>[0]),
  );
}
