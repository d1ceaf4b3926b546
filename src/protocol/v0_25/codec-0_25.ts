/**
 * The WireCodec of protocol generation 0.25.0: JSON bodies under the `exclude_none` rule (every
 * default and `type` sent, `None` omitted; fact 3), `forward_backward` and `forward` as protobuf
 * `ForwardBackwardRequest` (fact 5–6), zstd-framed when the server's `client/config` sets
 * `proto_compress_fwdbwd` (fact 7). The clients call it exactly as they call 0.4.1's JSON_CODEC.
 */
import { ValidationError } from "../../errors/index.js";
import { chunkTypeOf } from "../../types/model-input.js";
import type { ForwardBackwardInput, ForwardBackwardRequest, ForwardRequest } from "../../types/requests.js";
import { jsonBody, type RequestEncoder, type WireCodec } from "../../types/codec.js";
import { jsonBodyV025, type ModelName } from "../json-body-v0_25.js";
import { zstdCompressSync } from "../zstd.js";
import type { DatumLike } from "./from-sdk.js";
import { forwardBackwardRequestToPb } from "./from-sdk.js";
import { encodeForwardBackwardRequest } from "./forward-backward-request.js";
import { parseForwardBackwardOutputPb, parseSampleResponsePb } from "./results.js";

/** Content type of a protobuf request body. */
export const PROTOBUF_CONTENT_TYPE = "application/x-protobuf";

/** Options of {@link makeCodecV025}. */
export interface CodecV025Options {
  /** Asked at each encode: whether forward/backward bodies go out as zstd frames (server flag). */
  compressFwdBwd?: () => boolean;
}

/** The chunk's type (`chunkTypeOf`); a chunk that fits no kind is refused before anything is sent. */
function chunkType(c: Readonly<Record<string, unknown>>): string {
  const t = chunkTypeOf(c);
  if (t === undefined) {
    throw new ValidationError(
      "model_input.chunks",
      `a chunk of no known type (fields: ${Object.keys(c).join(", ")})`,
    );
  }
  return t;
}

/** 0.4.1's JSON leaves the chunk `type` out; the protobuf converter needs it to pick the oneof. */
function withChunkTypes(d: ForwardBackwardInput["data"][number]): DatumLike {
  const chunks = (d.model_input.chunks as ReadonlyArray<Record<string, unknown>>).map((c) =>
    c.type !== undefined ? c : { ...c, type: chunkType(c) },
  );
  return { ...d, model_input: { chunks } } as unknown as DatumLike;
}

/**
 * A chunk as 0.25.0's models have it: images are `data`/`location`, `format` and `expected_tokens`
 * (0.4.1's `height`, `width` and `tokens` are not fields of them).
 */
function chunkV025(c: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const type = chunkType(c);
  if (type === "image") return { data: c.data, format: c.format, expected_tokens: c.expected_tokens, type };
  if (type === "image_asset_pointer") {
    return { format: c.format, location: c.location, expected_tokens: c.expected_tokens, type };
  }
  return c;
}

function model(name: ModelName): RequestEncoder<unknown> {
  return { encode: (m) => jsonBody(jsonBodyV025(name, m as Record<string, unknown>)) };
}

/** asample: the prompt's chunks in 0.25.0's shape, then the JSON rule. */
const sample: RequestEncoder<unknown> = {
  encode(m) {
    const msg = m as Record<string, unknown> & { prompt: { chunks: Array<Record<string, unknown>> } };
    const prompt = { ...msg.prompt, chunks: msg.prompt.chunks.map(chunkV025) };
    return jsonBody(jsonBodyV025("sample", { ...msg, prompt }));
  },
};

function fwdBwd(
  compress: () => boolean,
  forwardOnly: boolean,
): RequestEncoder<ForwardRequest | ForwardBackwardRequest> {
  return {
    encode(m) {
      const input: ForwardBackwardInput = "forward_input" in m ? m.forward_input : m.forward_backward_input;
      const bytes = encodeForwardBackwardRequest(
        forwardBackwardRequestToPb({
          model_id: m.model_id,
          seq_id: m.seq_id,
          data: input.data.map(withChunkTypes),
          loss_fn: input.loss_fn,
          loss_fn_config: input.loss_fn_config,
          forward_only: forwardOnly,
        }),
      );
      if (compress()) {
        return {
          body: zstdCompressSync(bytes),
          contentType: PROTOBUF_CONTENT_TYPE,
          contentEncoding: "zstd",
        };
      }
      return { body: bytes, contentType: PROTOBUF_CONTENT_TYPE };
    },
  };
}

/** The 0.25.0 codec. */
export function makeCodecV025(opts: CodecV025Options = {}): WireCodec {
  const compress = opts.compressFwdBwd ?? (() => false);
  return {
    name: "v0.25.0",
    create_session: model("create_session"),
    create_model: model("create_model"),
    create_sampling_session: model("create_sampling_session"),
    forward: fwdBwd(compress, true),
    forward_backward: fwdBwd(compress, false),
    optim_step: model("optim_step"),
    save_weights: model("save_weights"),
    load_weights: model("load_weights"),
    save_weights_for_sampler: model("save_weights_for_sampler"),
    asample: sample,
    retrieve_future: model("retrieve_future"),
    get_info: model("get_info"),
    unload_model: model("unload_model"),
    session_heartbeat: model("session_heartbeat"),
    // Telemetry batches are plain JSON in both generations.
    telemetry: { encode: jsonBody },
  };
}

/** Decoders of the protobuf result types (fact 9), keyed by `X-Tinker-Request-Type`. */
export const PROTOBUF_RESULTS_V025: Readonly<Record<string, (bytes: Uint8Array) => unknown>> = {
  ForwardBackward: parseForwardBackwardOutputPb,
  Forward: parseForwardBackwardOutputPb,
  Sample: parseSampleResponsePb,
};
