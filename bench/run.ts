/**
 * `npm run bench`: tinker-ts against the machine's own limit, measured in the same run — a raw
 * `undici` loop sending the same requests with the same concurrency to the same loopback server.
 * Prints a table (min / median / max over several runs after a warm-up); `--json` for machines,
 * `--quick` for a smoke run with small sizes.
 */
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Agent, request } from "undici";
import { type Datum, ModelInput, ServiceClient, TensorData } from "../src/index.js";
import { encodeForwardBackwardInput } from "../src/types/requests.js";
import { POOL_CONNECTIONS } from "../src/core/transport.js";
import { measureModel } from "./model.js";
import { measureRenderers } from "./renderers.js";
import { rlFigures } from "./rl.js";
import { protobufFigures } from "./protobuf.js";
import { type BenchServer, startBenchServer } from "./server.js";

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const JSON_OUT = args.has("--json");
const RUNS = QUICK ? 2 : 5;
/** `--only=sampling,encoding` runs just those figures (model, sampling, training, encoding, futures, renderers, rl, protobuf). */
const ONLY = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const wanted = (name: string) => ONLY === undefined || ONLY.includes(name);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** One figure: its runs, and how it compares with its target. */
interface Figure {
  name: string;
  unit: string;
  runs: number[];
  /** Ratio or value checked against the target, computed from the medians. */
  target: string;
  met: boolean;
  note?: string;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    min: s[0] as number,
    median: s[Math.floor(s.length / 2)] as number,
    max: s[s.length - 1] as number,
  };
};

async function repeat(fn: () => Promise<number>): Promise<number[]> {
  await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) out.push(await fn());
  return out;
}

/**
 * Runs the SDK and the raw loop alternately (order swapped every pair), so that both see the same
 * machine noise; each pair gives one comparison.
 */
async function interleaved(
  sdk: () => Promise<number>,
  raw: () => Promise<number>,
): Promise<{ sdkRuns: number[]; rawRuns: number[] }> {
  await sdk();
  await raw();
  const sdkRuns: number[] = [];
  const rawRuns: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) {
      sdkRuns.push(await sdk());
      rawRuns.push(await raw());
    } else {
      rawRuns.push(await raw());
      sdkRuns.push(await sdk());
    }
  }
  return { sdkRuns, rawRuns };
}

/** Run `n` tasks with at most `limit` in flight. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

function newService(server: BenchServer): ServiceClient {
  return new ServiceClient({ apiKey: "tml-BENCH", baseUrl: server.url, telemetry: false });
}

/** A raw client: one undici Agent per pool, sized as the SDK's, sending the SDK's own headers. */
function rawClient(server: BenchServer) {
  const sample = new Agent({ connections: POOL_CONNECTIONS.sample });
  const poll = new Agent({ connections: POOL_CONNECTIONS.retrieve_promise });
  const train = new Agent({ connections: POOL_CONNECTIONS.train });
  const post = async (agent: Agent, path: string, body: unknown): Promise<unknown> => {
    const res = await request(`${server.url}${path}`, {
      method: "POST",
      dispatcher: agent,
      headers: server.headersFor(path),
      body: JSON.stringify(body),
    });
    return res.body.json();
  };
  return {
    sample: (body: unknown) => post(sample, "/api/v1/asample", body),
    train: (path: string, body: unknown) => post(train, path, body),
    poll: (id: string) => post(poll, "/api/v1/retrieve_future", { request_id: id }),
    close: async () => {
      await Promise.all([sample.close(), poll.close(), train.close()]);
    },
  };
}

const PROMPT = ModelInput.fromInts([1, 2, 3, 4, 5, 6, 7, 8]);

async function samplingThroughput(server: BenchServer): Promise<Figure[]> {
  const n = QUICK ? 1_000 : 5_000;
  const sdkOnce = async () => {
    const service = newService(server);
    const sampler = await service.createSamplingClient({ baseModel: "bench" });
    const t0 = performance.now();
    // The SDK limits itself to 400 submissions in flight per session.
    await Promise.all(Array.from({ length: n }, () => sampler.sample(PROMPT, 1, { max_tokens: 4 })));
    const rate = n / ((performance.now() - t0) / 1000);
    await service.close();
    return rate;
  };
  const rawOnce = async () => {
    const raw = rawClient(server);
    const t0 = performance.now();
    await pool(n, 400, async (i) => {
      const { request_id } = (await raw.sample({
        sampling_session_id: "bench-sampler",
        seq_id: i,
        num_samples: 1,
        prompt: { chunks: [{ type: "encoded_text", tokens: [1, 2, 3, 4, 5, 6, 7, 8] }] },
        sampling_params: { max_tokens: 4 },
      })) as { request_id: string };
      await raw.poll(request_id);
    });
    const rate = n / ((performance.now() - t0) / 1000);
    await raw.close();
    return rate;
  };
  const { sdkRuns, rawRuns } = await interleaved(sdkOnce, rawOnce);
  const ratio = stats(sdkRuns.map((x, i) => x / (rawRuns[i] as number))).median;
  return [
    {
      name: `sampling: ${n} sample() calls, ≤ 400 in flight (ratio: median of interleaved pairs)`,
      unit: "samples/s",
      runs: sdkRuns,
      target: `${ratio.toFixed(2)}× raw (≥ 0.7×)`,
      met: ratio >= 0.7,
    },
    {
      name: "sampling: raw undici loop, same requests",
      unit: "samples/s",
      runs: rawRuns,
      target: "reference",
      met: true,
    },
  ];
}

function tinyDatum(): Datum {
  const tokens = Array.from({ length: 32 }, (_, i) => i + 1);
  return {
    model_input: ModelInput.fromInts(tokens),
    loss_fn_inputs: { target_tokens: TensorData.fromArray(tokens, "int64", [32]) },
  };
}

async function trainingOverhead(server: BenchServer): Promise<Figure[]> {
  const steps = QUICK ? 200 : 1_000;
  const data = [tinyDatum()];
  const sdkOnce = async () => {
    const service = newService(server);
    const training = await service.createLoraTrainingClient("bench", { rank: 8 });
    const t0 = performance.now();
    const pending: PromiseLike<unknown>[] = [];
    for (let i = 0; i < steps; i++) {
      pending.push(
        training.forwardBackward(data, "cross_entropy"),
        training.optimStep({ learning_rate: 1e-4 }),
      );
    }
    await Promise.all(pending);
    const ms = performance.now() - t0;
    await service.close();
    return ms;
  };
  const body = encodeForwardBackwardInput(data, "cross_entropy");
  const rawOnce = async () => {
    const raw = rawClient(server);
    const t0 = performance.now();
    // Submits go out one at a time, in order (as the SDK's sequencer sends them); polls overlap.
    const polls: Promise<unknown>[] = [];
    for (let i = 0; i < steps; i++) {
      const fb = (await raw.train("/api/v1/forward_backward", {
        forward_backward_input: body,
        model_id: "bench-model",
        seq_id: 2 * i + 1,
      })) as { request_id: string };
      polls.push(raw.poll(fb.request_id));
      const opt = (await raw.train("/api/v1/optim_step", {
        adam_params: { learning_rate: 1e-4 },
        model_id: "bench-model",
        seq_id: 2 * i + 2,
      })) as { request_id: string };
      polls.push(raw.poll(opt.request_id));
    }
    await Promise.all(polls);
    const ms = performance.now() - t0;
    await raw.close();
    return ms;
  };
  const { sdkRuns, rawRuns } = await interleaved(sdkOnce, rawOnce);
  const perStep = sdkRuns.map((ms, i) => (ms - (rawRuns[i] as number)) / steps);
  const median = stats(perStep).median;
  return [
    {
      name: `training: ${steps} pipelined forwardBackward + optimStep, overhead per step`,
      unit: "ms/step",
      runs: perStep,
      target: `${median.toFixed(3)} ms (≤ 0.3 ms)`,
      met: median <= 0.3,
      note: `raw loop ${(stats(rawRuns).median / steps).toFixed(3)} ms/step`,
    },
  ];
}

function bigChunk(): Datum[] {
  // 8 datums × (20,833 tokens + 20,833 targets + 20,833 weights) ≈ 500,000 numbers.
  const len = 20_833;
  return Array.from({ length: 8 }, (_, d) => {
    const tokens = Int32Array.from({ length: len }, (_, i) => (i * 7919 + d) % 150_000);
    const weights = Float32Array.from({ length: len }, (_, i) => ((i * 31) % 97) / 97);
    return {
      model_input: ModelInput.fromInts(Array.from(tokens)),
      loss_fn_inputs: {
        target_tokens: TensorData.fromTypedArray(tokens),
        weights: TensorData.fromTypedArray(weights),
      },
    };
  });
}

function heapNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function encoding(): Promise<Figure[]> {
  const data = bigChunk();
  let bytes = 0;
  let peakRatio = 0;
  const sdkRuns = await repeat(async () => {
    gc();
    const before = heapNow();
    const t0 = performance.now();
    // What the SDK does for a forwardBackward chunk: wire objects, then the request body.
    const json = JSON.stringify({
      forward_backward_input: encodeForwardBackwardInput(data, "cross_entropy"),
      model_id: "m",
      seq_id: 1,
    });
    const ms = performance.now() - t0;
    bytes = Buffer.byteLength(json);
    peakRatio = Math.max(peakRatio, (heapNow() - before) / bytes);
    return bytes / 1e6 / (ms / 1000);
  });
  // The limit: JSON.stringify of the same numbers already in plain arrays.
  const plain = JSON.parse(
    JSON.stringify({ forward_backward_input: encodeForwardBackwardInput(data, "cross_entropy") }),
  ) as unknown;
  const rawRuns = await repeat(async () => {
    const t0 = performance.now();
    const json = JSON.stringify(plain);
    return Buffer.byteLength(json) / 1e6 / ((performance.now() - t0) / 1000);
  });
  const mbs = stats(sdkRuns).median;
  return [
    {
      name: `encoding: forwardBackward chunk of 500,000 numbers (${(bytes / 1e6).toFixed(1)} MB JSON)`,
      unit: "MB/s",
      runs: sdkRuns,
      target: `${mbs.toFixed(0)} MB/s (≥ 200), peak ${peakRatio.toFixed(2)}× payload (≤ 3×)`,
      met: mbs >= 200 && peakRatio <= 3,
      note: `JSON.stringify of plain arrays: ${stats(rawRuns).median.toFixed(0)} MB/s`,
    },
  ];
}

async function futuresAtScale(server: BenchServer): Promise<Figure[]> {
  const n = QUICK ? 2_000 : 10_000;
  server.holdMs = 50;
  let socketsNote = "";
  let cpuNote = "";
  let allDone = true;
  const runs = await repeat(async () => {
    const service = newService(server);
    const sampler = await service.createSamplingClient({ baseModel: "bench" });
    const before = server.sockets.total;
    server.sockets.maxOpen = server.sockets.open;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: n }, () => sampler.sample(PROMPT, 1, { max_tokens: 4 })),
    );
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    allDone &&= results.every((r) => r.status === "fulfilled");
    const limit =
      (POOL_CONNECTIONS.sample ?? 0) +
      (POOL_CONNECTIONS.retrieve_promise ?? 0) +
      (POOL_CONNECTIONS.session ?? 0);
    socketsNote = `${server.sockets.total - before} sockets opened, ≤ ${server.sockets.maxOpen} open (pool limit ${limit})`;
    cpuNote = `CPU ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(0)}% of one core while waiting`;
    await service.close();
    return n / (wall / 1000);
  });
  server.holdMs = 0;
  return [
    {
      name: `futures: ${n} in flight, polls held 50 ms`,
      unit: "futures/s",
      runs,
      target: allDone ? "all completed" : "SOME FAILED",
      met: allDone,
      note: `${socketsNote}; ${cpuNote}`,
    },
  ];
}

async function model(): Promise<Figure[]> {
  const figs = [];
  for (let i = 0; i < RUNS; i++) figs.push(measureModel(QUICK ? 5 : 20, QUICK ? 1000 : 4000));
  const step = figs.map((f) => f.msPerStep);
  const median = stats(step).median;
  return [
    {
      name: "emulator model: fwd+bwd+Adam, 8×128 tokens, rank 8",
      unit: "ms/step",
      runs: step,
      target: `${median.toFixed(1)} ms (< 50 ms)`,
      met: median < 50,
    },
    {
      name: "emulator model: sampling",
      unit: "tokens/s",
      runs: figs.map((f) => f.sampleTokensPerSec),
      target: "no target",
      met: true,
    },
  ];
}

async function renderers(): Promise<Figure[]> {
  return measureRenderers(RUNS, QUICK ? 2 : 10, gc).map((f) => {
    const bare = stats(f.barePerSec).median;
    // Each run is paired with a bare run next to it; the median of the pairs' ratios resists noise.
    const overhead = stats(f.barePerSec.map((b, i) => b / (f.renderedPerSec[i] as number) - 1)).median;
    return {
      name: `renderers: ${f.renderer} supervised examples (${f.conversations} golden conversations a run)`,
      unit: "conversations/s",
      runs: f.renderedPerSec,
      target: `overhead ${(overhead * 100).toFixed(1)}% over bare encoding (≤ 20%)`,
      met: overhead <= 0.2,
      note: `the tokenizer encoding each example's whole text in one call: ${bare.toFixed(0)} conversations/s`,
    };
  });
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

async function main(): Promise<void> {
  const server = await startBenchServer();
  const figures: Figure[] = [];
  try {
    // The model first: pure computation, measured before the HTTP benches grow the heap.
    if (wanted("model")) figures.push(...(await model()));
    if (wanted("sampling")) figures.push(...(await samplingThroughput(server)));
    if (wanted("training")) figures.push(...(await trainingOverhead(server)));
    if (wanted("encoding")) figures.push(...(await encoding()));
    if (wanted("futures")) figures.push(...(await futuresAtScale(server)));
    if (wanted("renderers")) figures.push(...(await renderers()));
    if (wanted("rl")) figures.push(...(await rlFigures(RUNS, QUICK ? 3 : 10)));
    if (wanted("protobuf")) figures.push(...(await protobufFigures({ runs: RUNS, quick: QUICK, gc })));
  } finally {
    await server.close();
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`;
  if (JSON_OUT) {
    console.log(
      JSON.stringify(
        { machine, runs: RUNS, quick: QUICK, figures: figures.map((f) => ({ ...f, ...stats(f.runs) })) },
        null,
        2,
      ),
    );
    return;
  }
  console.log(`tinker-ts bench — ${machine}; ${RUNS} runs after a warm-up${QUICK ? " (quick)" : ""}\n`);
  console.log("| figure | unit | min | median | max | target |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const f of figures) {
    const s = stats(f.runs);
    console.log(
      `| ${f.name} | ${f.unit} | ${fmt(s.min)} | ${fmt(s.median)} | ${fmt(s.max)} | ${f.met ? "✓" : "✗"} ${f.target} |`,
    );
  }
  for (const f of figures) if (f.note) console.log(`- ${f.name}: ${f.note}`);
  if (figures.some((f) => !f.met)) process.exitCode = 1;
}

await main();
