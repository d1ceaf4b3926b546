/**
 * The codec and result decoders a generation implies: 0.4.1 is JSON throughout; a generation whose
 * forward/backward bodies are protobuf (0.25.0) gets the 0.25 codec and its protobuf result decoders.
 */
import { JSON_CODEC, type WireCodec } from "../types/codec.js";
import type { ProtocolGeneration } from "./generation.js";
import { makeCodecV025, PROTOBUF_RESULTS_V025 } from "./v0_25/codec-0_25.js";

/** What a session holder hands down for one generation. */
export interface GenerationCodecs {
  codec: WireCodec;
  /** Result decoders by request type, for answers that arrive as protobuf. */
  protobufResults: Readonly<Record<string, (bytes: Uint8Array) => unknown>>;
}

/** The codecs of `g`; `compressFwdBwd` is asked per body (the server's `proto_compress_fwdbwd`). */
export function codecsFor(g: ProtocolGeneration, compressFwdBwd: () => boolean): GenerationCodecs {
  if (g.jsonBodyRule === "exclude_unset") return { codec: JSON_CODEC, protobufResults: {} };
  const protobufResults: Record<string, (bytes: Uint8Array) => unknown> = {};
  for (const t of g.poll.protobufResultTypes) {
    const decode = PROTOBUF_RESULTS_V025[t];
    if (decode) protobufResults[t] = decode;
  }
  return {
    codec: makeCodecV025({ compressFwdBwd: g.codecs.zstdWhenServerAsks ? compressFwdBwd : () => false }),
    protobufResults,
  };
}
