/**
 * Reading a response body with a cap on its size after decompression, so that a huge or
 * maliciously compressed answer (a "gzip bomb": 1 MB on the wire, gigabytes inflated) fails as a
 * typed {@link ResponseTooLargeError} instead of filling memory. Decompression is streamed and
 * stops at the cap; an identity body with a known length under the cap takes undici's fast path.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createInflate } from "node:zlib";
import { ResponseTooLargeError } from "../errors/index.js";

/** Default cap on a decompressed response body: generous (the largest real answers are tens of MB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** The part of an undici response body this module reads. */
export interface ResponseBody extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  destroy(err?: Error): unknown;
}

/**
 * Reads `body` as UTF-8 text, decoding `content-encoding` gzip or deflate, and throws
 * `ResponseTooLargeError` (destroying the body) as soon as more than `limit` bytes would be held.
 */
export async function readBodyText(
  body: ResponseBody,
  headers: Record<string, string>,
  status: number,
  limit: number,
): Promise<string> {
  const read = await readBody(body, headers, status, limit, true);
  return typeof read === "string" ? read : read.toString("utf8");
}

/** The same cap and decoding for a binary body (0.25.0's protobuf results). */
export async function readBodyBytes(
  body: ResponseBody,
  headers: Record<string, string>,
  status: number,
  limit: number,
): Promise<Uint8Array> {
  const read = await readBody(body, headers, status, limit, false);
  return typeof read === "string"
    ? Buffer.from(read, "utf8")
    : new Uint8Array(read.buffer, read.byteOffset, read.length);
}

// `wantText` lets an identity body with a known length take undici's text() fast path.
async function readBody(
  body: ResponseBody,
  headers: Record<string, string>,
  status: number,
  limit: number,
  wantText: boolean,
): Promise<string | Buffer> {
  const enc = headers["content-encoding"];
  const declared = Number(headers["content-length"] ?? Number.NaN);
  const tooLarge = (detail: string) => {
    const err = new ResponseTooLargeError(limit, detail, { status, headers });
    body.destroy();
    return err;
  };
  if (declared > limit) throw tooLarge(`content-length ${declared} bytes`);
  if (enc !== "gzip" && enc !== "deflate") {
    // undici stops at content-length, so a declared length under the cap bounds the body.
    if (Number.isFinite(declared)) return wantText ? body.text() : Buffer.from(await body.arrayBuffer());
    return collect(body, limit, (n) => tooLarge(`more than ${n} bytes received`));
  }
  let inflated = 0;
  const parts: Buffer[] = [];
  let refused: ResponseTooLargeError | null = null;
  const sink = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      inflated += chunk.length;
      if (inflated > limit) {
        // pipeline() tears the other streams down and may report their abort instead of this.
        refused = new ResponseTooLargeError(limit, `${enc} body inflates past ${inflated} bytes`, {
          status,
          headers,
        });
        throw refused;
      }
      parts.push(chunk);
    }
  };
  try {
    await pipeline(Readable.from(body), enc === "gzip" ? createGunzip() : createInflate(), sink);
  } catch (err) {
    throw refused ?? err;
  }
  return Buffer.concat(parts);
}

async function collect(
  body: AsyncIterable<Uint8Array>,
  limit: number,
  tooLarge: (n: number) => Error,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw tooLarge(size);
    parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(parts);
}
