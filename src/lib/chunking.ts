/**
 * Splitting forward/forward_backward data into requests, as Python SDK 0.4.1's TrainingClient does
 * (`_chunked_requests_generator`): greedy and order-preserving, at most 128 datums and 500,000
 * "numbers" per chunk. `planChunks` also measures in 0.25.0's estimated protobuf bytes (proto-size.ts).
 */
import { type EstimableDatum, estimateDatumProtoBytes } from "./proto-size.js";

/** Most datums one forward/forward_backward request carries (0.4.1 `MAX_CHUNK_LEN`). */
export const MAX_CHUNK_LEN = 128;
/** Most numbers one request carries (0.4.1 `MAX_CHUNK_NUMBER_COUNT`); a single larger datum still goes alone. */
export const MAX_CHUNK_NUMBER_COUNT = 500_000;

/** The chunk shapes counting understands: text chunks count their tokens, image chunks their declared size. */
export interface CountableChunk {
  readonly type?: string;
  /** Token array for text chunks; a token count for image chunks in 0.4.1's wire shape. */
  readonly tokens?: ArrayLike<number> | number;
  /** Token count of an image chunk in later protocols' wire shape. */
  readonly expected_tokens?: number | null;
}

/** A model input as counting sees it: either something with a `length` or a list of chunks. */
export type CountableModelInput =
  | { readonly length: number }
  | { readonly chunks: readonly CountableChunk[] };

/** The structural shape of a datum that counting needs (the wire `Datum` satisfies it). */
export interface CountableDatum {
  readonly model_input: CountableModelInput;
  readonly loss_fn_inputs: Readonly<Record<string, { readonly data: ArrayLike<unknown> }>>;
}

function chunkLength(chunk: CountableChunk): number {
  if (typeof chunk.tokens === "number") return chunk.tokens;
  if (chunk.tokens !== undefined) return chunk.tokens.length;
  if (typeof chunk.expected_tokens === "number") return chunk.expected_tokens;
  // 0.4.1 cannot build an image chunk without its token count, so there is nothing sensible to guess.
  throw new Error(`cannot count the tokens of a '${chunk.type ?? "unknown"}' chunk without a token count`);
}

function modelInputLength(input: CountableModelInput): number {
  if ("length" in input && typeof input.length === "number") return input.length;
  if ("chunks" in input) return input.chunks.reduce((n, c) => n + chunkLength(c), 0);
  throw new Error("model_input has neither a length nor chunks");
}

/**
 * The number count 0.4.1 estimates for a datum: the model input's length (tokens of text chunks plus
 * the declared token count of image chunks) plus the flat `data` length of every loss_fn_inputs
 * tensor. Shapes are ignored.
 */
export function datumNumberCount(datum: CountableDatum): number {
  let count = modelInputLength(datum.model_input);
  for (const tensor of Object.values(datum.loss_fn_inputs)) count += tensor.data.length;
  return count;
}

/** Per-chunk limits; defaults are 0.4.1's. */
export interface ChunkLimits {
  maxChunkLen?: number;
  maxChunkNumberCount?: number;
}

/**
 * Split `data` into consecutive chunks. Before adding a datum the current chunk is closed when it is
 * non-empty and the datum would take it strictly above the number limit, or when it already holds
 * the maximum number of datums. Empty input gives no chunks (and so no request).
 */
export function chunkData<T>(
  data: readonly T[],
  countNumbers: (item: T) => number,
  limits: ChunkLimits = {},
): T[][] {
  const maxLen = limits.maxChunkLen ?? MAX_CHUNK_LEN;
  const maxNumbers = limits.maxChunkNumberCount ?? MAX_CHUNK_NUMBER_COUNT;
  const chunks: T[][] = [];
  let current: T[] = [];
  let currentCount = 0;
  for (const item of data) {
    const count = countNumbers(item);
    if ((current.length > 0 && currentCount + count > maxNumbers) || current.length === maxLen) {
      chunks.push(current);
      current = [];
      currentCount = 0;
    }
    current.push(item);
    currentCount += count;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** {@link chunkData} for wire datums, counted with {@link datumNumberCount}. */
export function chunkDatums<T extends CountableDatum>(data: readonly T[], limits?: ChunkLimits): T[][] {
  return chunkData(data, datumNumberCount, limits);
}

/**
 * How a generation measures and caps chunks (the shape of protocol's `ChunkPolicy`): 0.4.1 counts
 * numbers (128 datums, 500 000 numbers), 0.25.0 estimated protobuf bytes with server-set caps.
 */
export interface ChunkMeasure {
  readonly measure: "numbers" | "proto-bytes";
  readonly maxChunkLen: number;
  readonly maxChunkMeasure: number;
}

/** Chunks in data order, each with the sum of its datums' measure (what a byte budget reserves). */
export interface ChunkPlan<T> {
  chunks: T[][];
  measures: number[];
}

/**
 * Split `data` as the generation does ({@link chunkData}'s greedy, inclusive rule, where a datum
 * over the cap goes alone) and total each chunk's measure.
 */
export function planChunks<T extends CountableDatum & EstimableDatum>(
  data: readonly T[],
  policy: ChunkMeasure,
): ChunkPlan<T> {
  const measureOf: (d: T) => number =
    policy.measure === "proto-bytes" ? estimateDatumProtoBytes : datumNumberCount;
  const measured = data.map((d) => ({ d, m: measureOf(d) }));
  const parts = chunkData(measured, (x) => x.m, {
    maxChunkLen: policy.maxChunkLen,
    maxChunkNumberCount: policy.maxChunkMeasure,
  });
  return {
    chunks: parts.map((p) => p.map((x) => x.d)),
    measures: parts.map((p) => p.reduce((n, x) => n + x.m, 0)),
  };
}
