/** Model input chunks and the ModelInput container, encoded exactly as Python SDK 0.4.1 sends them. */
import { ValidationError } from "../errors/index.js";
import { assertInt, assertNonNegativeInt, assertObject, assertTokenIds } from "./validation.js";

/** A run of already-tokenized text. */
export interface EncodedTextChunk {
  type: "encoded_text";
  tokens: number[];
}

/** Image format accepted by image chunks. */
export type ImageFormat = "png" | "jpeg";

/** The size of an image and the tokens it occupies, as 0.4.1's image chunks carry them. */
export interface ImageSize {
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Number of tokens the image occupies: the chunk's length. */
  tokens: number;
}

/**
 * An inline image; `data` is base64 on the wire (0.4.1 serializes bytes as base64). 0.4.1 requires
 * `height`, `width` and `tokens`; `expected_tokens` is the field of later protocol generations,
 * which 0.4.1's JSON never sends.
 */
export interface ImageChunk extends ImageSize {
  type: "image";
  data: string;
  format: ImageFormat;
  /** Later protocols' token count (not part of 0.4.1's wire form). */
  expected_tokens?: number | null;
}

/** An image referenced by location instead of inlined (0.4.1: `height`, `width`, `tokens` required). */
export interface ImageAssetPointerChunk extends ImageSize {
  type: "image_asset_pointer";
  format: ImageFormat;
  location: string;
  /** Later protocols' token count (not part of 0.4.1's wire form). */
  expected_tokens?: number | null;
}

/** Any chunk of a model input. */
export type ModelInputChunk = EncodedTextChunk | ImageChunk | ImageAssetPointerChunk;

/** Wire shape of a model input. */
export interface ModelInputJSON {
  chunks: ModelInputChunkJSON[];
}

/** Builds an image chunk from raw bytes (base64-encodes them as 0.4.1 does) and its size. */
export function imageChunk(data: Uint8Array | string, format: ImageFormat, size: ImageSize): ImageChunk {
  const b64 = typeof data === "string" ? data : Buffer.from(data).toString("base64");
  return { type: "image", data: b64, format, height: size.height, width: size.width, tokens: size.tokens };
}

/** Number of tokens a chunk occupies: a text chunk's token count, an image's `tokens` (0.4.1 `length`). */
export function chunkLength(chunk: ModelInputChunk): number {
  if (chunk.type === "encoded_text") return chunk.tokens.length;
  return chunk.tokens;
}

function validateChunk(chunk: ModelInputChunk, field: string): void {
  assertObject(chunk, field);
  switch (chunk.type) {
    case "encoded_text":
      if (!Array.isArray(chunk.tokens)) throw new ValidationError(`${field}.tokens`, "expected an array");
      assertTokenIds(chunk.tokens, `${field}.tokens`);
      return;
    case "image":
    case "image_asset_pointer":
      if (chunk.format !== "png" && chunk.format !== "jpeg") {
        throw new ValidationError(`${field}.format`, `expected "png" or "jpeg", got ${String(chunk.format)}`);
      }
      if (chunk.type === "image" && typeof chunk.data !== "string") {
        throw new ValidationError(`${field}.data`, "expected base64 text");
      }
      if (chunk.type === "image_asset_pointer" && typeof chunk.location !== "string") {
        throw new ValidationError(`${field}.location`, "expected a string");
      }
      // 0.4.1's models require all three (pydantic raises before anything is sent).
      for (const k of ["height", "width", "tokens"] as const) assertNonNegativeInt(chunk[k], `${field}.${k}`);
      if (chunk.expected_tokens != null) assertInt(chunk.expected_tokens, `${field}.expected_tokens`);
      return;
    default:
      throw new ValidationError(
        `${field}.type`,
        `unknown chunk type ${String((chunk as { type?: unknown }).type)}`,
      );
  }
}

/** Sequence of chunks fed to the model. */
export class ModelInput {
  /** The chunks, in order. */
  readonly chunks: ModelInputChunk[];

  constructor(chunks: ModelInputChunk[] = []) {
    chunks.forEach((c, i) => {
      validateChunk(c, `model_input.chunks[${i}]`);
    });
    this.chunks = chunks;
  }

  /** A single encoded-text chunk holding `tokens`. */
  static fromInts(tokens: readonly number[]): ModelInput {
    return new ModelInput([{ type: "encoded_text", tokens: [...tokens] }]);
  }

  /** A model input with no chunks. */
  static empty(): ModelInput {
    return new ModelInput([]);
  }

  /** Accepts a ModelInput or its wire JSON. */
  static from(value: ModelInput | ModelInputJSON | { chunks: ModelInputChunk[] }): ModelInput {
    if (value instanceof ModelInput) return value;
    assertObject(value, "model_input");
    if (!Array.isArray(value.chunks)) throw new ValidationError("model_input.chunks", "expected an array");
    return new ModelInput(value.chunks.map((c, i) => decodeChunk(c, `model_input.chunks[${i}]`)));
  }

  /** All tokens; throws if any chunk is not encoded text (as 0.4.1 does). */
  toInts(): number[] {
    const out: number[] = [];
    for (const c of this.chunks) {
      if (c.type !== "encoded_text")
        throw new ValidationError("model_input", `toInts: cannot convert ${c.type} chunk`);
      out.push(...c.tokens);
    }
    return out;
  }

  /** Total token count across chunks. */
  get length(): number {
    return this.chunks.reduce((n, c) => n + chunkLength(c), 0);
  }

  /** Returns a new ModelInput with `token` appended as a new one-token text chunk (as 0.4.1). */
  appendInt(token: number): ModelInput {
    assertNonNegativeInt(token, "token");
    // A new one-token chunk each time, as 0.4.1 does: the chunks go on the wire as they are.
    return new ModelInput([...this.chunks, { type: "encoded_text", tokens: [token] }]);
  }

  /** Returns a new ModelInput with `chunk` appended. */
  append(chunk: ModelInputChunk): ModelInput {
    return new ModelInput([...this.chunks, chunk]);
  }

  /** Wire JSON. */
  toJSON(): ModelInputJSON {
    return { chunks: this.chunks.map(encodeChunk) };
  }
}

/** Wire form of a chunk: 0.4.1 dumps with exclude_unset, so the defaulted `type` never goes out. */
export type ModelInputChunkJSON =
  | { tokens: number[] }
  | {
      data: string;
      format: ImageFormat;
      height: number;
      tokens: number;
      width: number;
      expected_tokens?: number;
    }
  | {
      format: ImageFormat;
      height: number;
      location: string;
      tokens: number;
      width: number;
      expected_tokens?: number;
    };

/**
 * Wire encoding of one chunk as 0.4.1 sends it: no `type` discriminator, images with their
 * `height`, `tokens` and `width` in 0.4.1's field order. `expected_tokens` (0.25.0's field) is
 * carried last, only when the caller set it, for the 0.25.0 codec (0.4.1 has no such field).
 */
export function encodeChunk(chunk: ModelInputChunk): ModelInputChunkJSON {
  switch (chunk.type) {
    case "encoded_text":
      return { tokens: [...chunk.tokens] };
    case "image": {
      const out: ModelInputChunkJSON = {
        data: chunk.data,
        format: chunk.format,
        height: chunk.height,
        tokens: chunk.tokens,
        width: chunk.width,
      };
      if (chunk.expected_tokens != null) out.expected_tokens = chunk.expected_tokens;
      return out;
    }
    default: {
      const out: ModelInputChunkJSON = {
        format: chunk.format,
        height: chunk.height,
        location: chunk.location,
        tokens: chunk.tokens,
        width: chunk.width,
      };
      if (chunk.expected_tokens != null) out.expected_tokens = chunk.expected_tokens;
      return out;
    }
  }
}

/**
 * A chunk's type: its `type`, or (0.4.1's JSON leaves it out) the field only that kind has. An
 * image also carries `tokens` (a count, in 0.4.1), so `location` and `data` are asked first, and
 * `tokens` means text only as an array. `undefined` when the fields fit no kind. The one
 * classifier of untyped chunks: the 0.25.0 codec, its JSON rule and the size estimates use it too.
 */
export function chunkTypeOf(c: Readonly<Record<string, unknown>>): string | undefined {
  if (typeof c.type === "string") return c.type;
  if (c.location !== undefined) return "image_asset_pointer";
  if (c.data !== undefined) return "image";
  if (c.dmel !== undefined) return "dmel";
  if (Array.isArray(c.tokens) || ArrayBuffer.isView(c.tokens)) return "encoded_text";
  return undefined;
}

/** Restores a chunk from wire JSON, inferring the missing `type` from the fields present. */
export function decodeChunk(json: unknown, field = "chunk"): ModelInputChunk {
  assertObject(json, field);
  const type = chunkTypeOf(json) ?? "encoded_text";
  const chunk = { ...json, type } as unknown as ModelInputChunk;
  validateChunk(chunk, field);
  return chunk;
}
