/**
 * Request bodies of both generations: JSON as before, and `application/x-protobuf` (optionally
 * `Content-Encoding: zstd`) as a `ProtobufRequestBody` that routes decode. Its `toJSON` is the
 * transcripts' decoded form, so the request log shows protobuf requests readably.
 */
import type { IncomingHttpHeaders } from "node:http";
import { decodeToDisplay, type PbMessageName } from "../../protocol/v0_25/codec.js";
import { zstdDecompress } from "../../protocol/zstd.js";
import { HttpError, parseJsonBody } from "../http-util.js";

/** Largest decompressed body the emulator accepts (zstd bodies can expand a lot). */
export const MAX_DECOMPRESSED_BODY_BYTES = 256 * 1024 * 1024;

/** A protobuf request body (already decompressed). */
export class ProtobufRequestBody {
  constructor(
    /** The message bytes. */
    readonly bytes: Uint8Array,
    /** `Content-Encoding` the request had (`zstd`), if any. */
    readonly contentEncoding: string | undefined,
    /** Message the route expects, set by the route for the log's decoded form. */
    public message: PbMessageName = "tinker_public.ForwardBackwardRequest",
  ) {}

  /** The decoded form for the request log (or a note when the bytes do not decode). */
  toJSON(): unknown {
    try {
      return decodeToDisplay(this.message, this.bytes);
    } catch {
      return { __undecodable__: true, bytes: this.bytes.byteLength };
    }
  }
}

/**
 * Decodes a body read by the server: `undefined` when empty, a `ProtobufRequestBody` for
 * `application/x-protobuf`, parsed JSON otherwise. zstd is undone first; a bad frame is a 400.
 */
export async function decodeRequestBody(raw: Buffer, headers: IncomingHttpHeaders): Promise<unknown> {
  let bytes: Uint8Array = raw;
  const encoding = headers["content-encoding"]?.toLowerCase().trim();
  if (encoding === "zstd" && bytes.byteLength > 0) {
    try {
      bytes = await zstdDecompress(bytes, MAX_DECOMPRESSED_BODY_BYTES);
    } catch (e) {
      throw new HttpError(
        400,
        `body is not a valid zstd frame: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  } else if (encoding !== undefined && encoding !== "identity" && encoding !== "zstd") {
    throw new HttpError(415, `unsupported Content-Encoding ${encoding}`);
  }
  if ((headers["content-type"] ?? "").includes("application/x-protobuf")) {
    return new ProtobufRequestBody(new Uint8Array(bytes), encoding);
  }
  return parseJsonBody(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
