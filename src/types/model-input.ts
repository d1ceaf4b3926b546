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

/** An inline image; `data` is base64 on the wire (0.4.1 serializes bytes as base64). */
export interface ImageChunk {
  type: "image";
  data: string;
  format: ImageFormat;
  /** Token count the server should expect this image to occupy, if known. */
  expected_tokens?: number | null;
}

/** An image referenced by location instead of inlined. */
export interface ImageAssetPointerChunk {
  type: "image_asset_pointer";
  format: ImageFormat;
  location: string;
  expected_tokens?: number | null;
}

/** Any chunk of a model input. */
export type ModelInputChunk = EncodedTextChunk | ImageChunk | ImageAssetPointerChunk;

/** Wire shape of a model input. */
export interface ModelInputJSON {
  chunks: ModelInputChunkJSON[];
}

/** Builds an image chunk from raw bytes (base64-encodes them as 0.4.1 does). */
export function imageChunk(
  data: Uint8Array | string,
  format: ImageFormat,
  expectedTokens?: number,
): ImageChunk {
  const b64 = typeof data === "string" ? data : Buffer.from(data).toString("base64");
  const chunk: ImageChunk = { type: "image", data: b64, format };
  if (expectedTokens !== undefined) chunk.expected_tokens = expectedTokens;
  return chunk;
}

/** Number of tokens a chunk occupies; images without expected_tokens cannot be counted. */
export function chunkLength(chunk: ModelInputChunk): number {
  if (chunk.type === "encoded_text") return chunk.tokens.length;
  if (chunk.expected_tokens == null) {
    throw new ValidationError(
      "expected_tokens",
      `${chunk.type} chunk has no expected_tokens; length unknown`,
    );
  }
  return chunk.expected_tokens;
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
  | { data: string; format: ImageFormat; expected_tokens?: number | null }
  | { format: ImageFormat; location: string; expected_tokens?: number | null };

/** Wire encoding of one chunk (no `type` discriminator, as 0.4.1 sends it). */
export function encodeChunk(chunk: ModelInputChunk): ModelInputChunkJSON {
  switch (chunk.type) {
    case "encoded_text":
      return { tokens: [...chunk.tokens] };
    case "image": {
      const out: { data: string; format: ImageFormat; expected_tokens?: number | null } = {
        data: chunk.data,
        format: chunk.format,
      };
      if (chunk.expected_tokens !== undefined) out.expected_tokens = chunk.expected_tokens;
      return out;
    }
    default: {
      const out: { format: ImageFormat; location: string; expected_tokens?: number | null } = {
        format: chunk.format,
        location: chunk.location,
      };
      if (chunk.expected_tokens !== undefined) out.expected_tokens = chunk.expected_tokens;
      return out;
    }
  }
}

/** Restores a chunk from wire JSON, inferring the missing `type` from the fields present. */
export function decodeChunk(json: unknown, field = "chunk"): ModelInputChunk {
  assertObject(json, field);
  const type =
    json.type ?? ("tokens" in json ? "encoded_text" : "location" in json ? "image_asset_pointer" : "image");
  const chunk = { ...json, type } as unknown as ModelInputChunk;
  validateChunk(chunk, field);
  return chunk;
}
