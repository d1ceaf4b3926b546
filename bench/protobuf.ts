/**
 * `npm run bench -- --only=protobuf`: the 0.25.0 codec measured against the JSON encoder in the same
 * run — encoding a 500,000-number forward_backward chunk (target ≥ 1 GB/s, ≥ 10× JSON, peak memory
 * ≤ 1.5× the body), the same with zstd, and decoding a large protobuf SampleResponse.
 */
import { performance } from "node:perf_hooks";
import { type Datum, ModelInput, TensorData } from "../src/index.js";
import { encodeForwardBackwardInput } from "../src/types/requests.js";
import { encodeForwardBackwardRequest } from "../src/protocol/v0_25/forward-backward-request.js";
import { type DatumLike, forwardBackwardRequestToPb } from "../src/protocol/v0_25/from-sdk.js";
import { decodeSampleResponse, encodeSampleResponse } from "../src/protocol/v0_25/sample-response.js";
import { parseSampleResponsePb, sampleResponseToPb } from "../src/protocol/v0_25/results.js";
import { zstdCompressSync, zstdDecompressSync, zstdReady } from "../src/protocol/zstd.js";

/** Same shape as run.ts's Figure. */
export interface BenchFigure {
  name: string;
  unit: string;
  runs: number[];
  target: string;
  met: boolean;
  note?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

let collect: () => void = () => {};

/** Times `fn` `runs` times after a warm-up, collecting garbage before each run (as run.ts's encoding figure). */
function timeRuns(runs: number, fn: () => void): number[] {
  fn(); // warm-up
  fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    collect();
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

function heapNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const LEN = 20_833; // 8 datums × (tokens + targets + weights) ≈ 500,000 numbers, as bench/run.ts's chunk

/** The chunk as a 0.25.0 client holds it: typed arrays, int64 targets as BigInt64Array. */
function typedChunk(): DatumLike[] {
  return Array.from({ length: 8 }, (_, d) => {
    const tokens = Int32Array.from({ length: LEN }, (_, i) => (i * 7919 + d) % 150_000);
    return {
      model_input: { chunks: [{ type: "encoded_text" as const, tokens }] },
      loss_fn_inputs: {
        target_tokens: {
          data: BigInt64Array.from(tokens, (v) => BigInt(v)),
          dtype: "int64" as const,
          shape: [LEN],
        },
        weights: {
          data: Float32Array.from({ length: LEN }, (_, i) => ((i * 31) % 97) / 97),
          dtype: "float32" as const,
          shape: [LEN],
        },
      },
    };
  });
}

/** The same numbers in today's wire objects (plain arrays), for the JSON encoder. */
function plainChunk(typed: DatumLike[]): Datum[] {
  return typed.map((d) => {
    const text = d.model_input.chunks[0] as { tokens: Int32Array };
    const t = d.loss_fn_inputs.target_tokens as { data: BigInt64Array };
    const w = d.loss_fn_inputs.weights as { data: Float32Array };
    return {
      model_input: ModelInput.fromInts(Array.from(text.tokens)),
      loss_fn_inputs: {
        target_tokens: TensorData.fromArray(Array.from(t.data, Number), "int64"),
        weights: TensorData.fromArray(Array.from(w.data), "float32"),
      },
    };
  });
}

const encodePb = (data: readonly DatumLike[]) =>
  encodeForwardBackwardRequest(
    forwardBackwardRequestToPb({ model_id: "m", seq_id: 1, data, loss_fn: "cross_entropy" }),
  );

/** Figures of the protobuf codec; `gc` is the exposed collector of run.ts. */
export async function protobufFigures(o: {
  runs: number;
  quick: boolean;
  gc: () => void;
}): Promise<BenchFigure[]> {
  collect = o.gc;
  // More runs than the HTTP figures: one run is a millisecond, and the machine is shared.
  const runs = Math.max(o.runs, 15);
  const typed = typedChunk();
  const plain = plainChunk(typed);
  const body = encodePb(typed);
  const bytes = body.byteLength;

  const jsonMs = timeRuns(runs, () => {
    JSON.stringify({
      forward_backward_input: encodeForwardBackwardInput(plain, "cross_entropy"),
      model_id: "m",
      seq_id: 1,
    });
  });
  const pbMs = timeRuns(runs, () => {
    encodePb(typed);
  });
  const fromPlainMs = timeRuns(runs, () => {
    encodePb(plain);
  });
  // Peak memory of one encode: what is still allocated right after it, before any collection.
  let peak = 0;
  for (let i = 0; i < 3; i++) {
    o.gc();
    const before = heapNow();
    const out = encodePb(typed);
    peak = Math.max(peak, (heapNow() - before) / out.byteLength);
  }
  const gbs = (ms: number) => bytes / 1e9 / (ms / 1000);
  const pbGbs = pbMs.map(gbs);
  const speedup = median(jsonMs) / median(pbMs);

  await zstdReady();
  const frame = zstdCompressSync(body);
  const zstdMs = timeRuns(runs, () => {
    zstdCompressSync(encodePb(typed));
  });
  const unzstdMs = timeRuns(runs, () => {
    zstdDecompressSync(frame);
  });

  // A large SampleResponse: 64 sequences of 8,192 tokens with logprobs, 8,192 prompt logprobs.
  const seqLen = o.quick ? 1024 : 8192;
  const sdkSample = {
    sequences: Array.from({ length: 64 }, (_, s) => ({
      stop_reason: "length" as const,
      tokens: Array.from({ length: seqLen }, (_, i) => (i * 13 + s) % 150_000),
      logprobs: Array.from({ length: seqLen }, (_, i) => -((i % 100) / 10)),
    })),
    prompt_logprobs: Array.from({ length: seqLen }, (_, i) => (i === 0 ? null : -i / seqLen)),
  };
  const sampleBytes = encodeSampleResponse(sampleResponseToPb(sdkSample));
  const rawDecodeMs = timeRuns(runs, () => {
    decodeSampleResponse(sampleBytes);
  });
  const sdkDecodeMs = timeRuns(runs, () => {
    parseSampleResponsePb(sampleBytes);
  });
  const sampleJson = JSON.stringify(sdkSample);
  const jsonParseMs = timeRuns(runs, () => {
    JSON.parse(sampleJson);
  });
  const mbs = (n: number, ms: number) => n / 1e6 / (ms / 1000);

  return [
    {
      name: `protobuf: encode a forward_backward chunk of 500,000 numbers from typed arrays (${(bytes / 1e6).toFixed(2)} MB)`,
      unit: "GB/s",
      runs: pbGbs,
      target: `${median(pbGbs).toFixed(2)} GB/s (≥ 1), ${speedup.toFixed(0)}× JSON (≥ 10×), peak ${peak.toFixed(2)}× body (≤ 1.5×)`,
      met: median(pbGbs) >= 1 && speedup >= 10 && peak <= 1.5,
      note: `JSON encoder (encodeForwardBackwardInput + JSON.stringify) ${median(jsonMs).toFixed(1)} ms for the chunk; protobuf ${median(pbMs).toFixed(2)} ms; protobuf from plain-array TensorData ${median(fromPlainMs).toFixed(1)} ms (${(median(jsonMs) / median(fromPlainMs)).toFixed(1)}× JSON)`,
    },
    {
      name: "protobuf + zstd: encode and compress the same chunk (level 3)",
      unit: "MB/s",
      runs: zstdMs.map((ms) => mbs(bytes, ms)),
      target: `${(bytes / frame.byteLength).toFixed(1)}× smaller, ${(median(jsonMs) / median(zstdMs)).toFixed(1)}× JSON encoder time`,
      met: true,
      note: `decompress ${mbs(bytes, median(unzstdMs)).toFixed(0)} MB/s (${median(unzstdMs).toFixed(2)} ms)`,
    },
    {
      name: `protobuf: decode a SampleResponse of 64 × ${seqLen} tokens (${(sampleBytes.byteLength / 1e6).toFixed(2)} MB) into the SDK's result`,
      unit: "MB/s",
      runs: sdkDecodeMs.map((ms) => mbs(sampleBytes.byteLength, ms)),
      target: `${(median(jsonParseMs) / median(sdkDecodeMs)).toFixed(1)}× JSON.parse of the same result`,
      met: true,
      note: `message decode alone (views, no copies) ${mbs(sampleBytes.byteLength, median(rawDecodeMs)).toFixed(0)} MB/s; JSON.parse ${median(jsonParseMs).toFixed(1)} ms vs ${median(sdkDecodeMs).toFixed(1)} ms`,
    },
  ];
}
