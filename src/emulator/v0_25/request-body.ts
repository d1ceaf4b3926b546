/**
 * Request bodies of both generations: JSON as before, and `application/x-protobuf` (optionally
 * `Content-Encoding: zstd`) as a `ProtobufRequestBody` that routes decode. Its `toJSON` is the
 * transcripts' decoded form, so the request log shows protobuf requests readably.
 */
import type { IncomingMessage } from "node:http";
import { decodeToDisplay, type PbMessageName } from "../../protocol/v0_25/codec.js";
import { zstdDecompress } from "../../protocol/zstd.js";
import { HttpError } from "../http-util.js";

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

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * Reads a body: `undefined` when empty, a `ProtobufRequestBody` for `application/x-protobuf`, parsed
 * JSON otherwise. zstd is undone first; a bad frame is a 400.
 */
export async function readRequestBody(req: IncomingMessage): Promise<unknown> {
  let raw: Uint8Array = await readAll(req);
  const encoding = req.headers["content-encoding"]?.toLowerCase().trim();
  if (encoding === "zstd" && raw.byteLength > 0) {
    try {
      raw = await zstdDecompress(raw, MAX_DECOMPRESSED_BODY_BYTES);
    } catch (e) {
      throw new HttpError(
        400,
        `body is not a valid zstd frame: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  } else if (encoding !== undefined && encoding !== "identity" && encoding !== "zstd") {
    throw new HttpError(415, `unsupported Content-Encoding ${encoding}`);
  }
  if ((req.headers["content-type"] ?? "").includes("application/x-protobuf")) {
    return new ProtobufRequestBody(new Uint8Array(raw), encoding);
  }
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "request body is not valid JSON");
  }
}
