/**
 * The probe of issue 21 (`npx tsx bench/hardening-probe.ts [--quick]`), for the figures the issue asks
 * for: the largest body refused and the emulator's peak RSS while refusing it, and the longest
 * event-loop stall while the largest allowed requests run (measured with
 * `perf_hooks.monitorEventLoopDelay`), next to what the same work costs when run synchronously.
 * The emulator runs in this process, so its RSS and event loop are this process's.
 */
import { request } from "node:http";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { DEFAULT_LIMITS } from "../src/emulator/limits.js";
import { type Emulator, startEmulator } from "../src/emulator/index.js";

const quick = process.argv.includes("--quick");
const KEY = "tml-PROBE";
const MiB = 1024 * 1024;

/** Streams `bytes` to the emulator (chunked, or with a declared length) and returns the status. */
function push(emu: Emulator, bytes: number, declare: boolean, key: string | null): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key) headers["x-api-key"] = key;
    if (declare) headers["content-length"] = String(bytes);
    const req = request(`${emu.url}/api/v1/create_session`, { method: "POST", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(-1));
    const chunk = Buffer.alloc(MiB, 0x20);
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        left -= chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

async function rssWhile<T>(work: () => Promise<T>): Promise<{ result: T; peakMiB: number; baseMiB: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const result = await work();
    return { result, peakMiB: peak / MiB, baseMiB: base / MiB };
  } finally {
    clearInterval(timer);
  }
}

/** A response body read loosely: the probe indexes into it directly. */
type Body = Record<string, unknown> & { request_id?: string; session_id?: string; model_id?: string };

async function call(emu: Emulator, path: string, body: unknown): Promise<{ status: number; body: Body }> {
  const res = await fetch(emu.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

async function settle(emu: Emulator, requestId: string): Promise<Body> {
  for (;;) {
    const r = await call(emu, "/api/v1/retrieve_future", { request_id: requestId });
    if (r.body.type !== "try_again") return r.body;
  }
}

/** Longest event-loop stall (ms) while `work` runs. */
async function stallWhile(
  work: () => Promise<unknown>,
): Promise<{ maxMs: number; p99Ms: number; ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  h.disable();
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, ms };
}

const emu = await startEmulator({ apiKey: KEY, pollHoldMs: 1_000 });
const out: Record<string, unknown> = {};
try {
  const big = quick ? 256 * MiB : 1024 * MiB;
  for (const [name, declare, key] of [
    ["chunked, authenticated", false, KEY],
    ["declared length, authenticated", true, KEY],
    ["chunked, wrong key", false, "tml-WRONG"],
  ] as const) {
    const r = await rssWhile(() => push(emu, big, declare, key));
    out[`${big / MiB} MiB body, ${name}`] =
      `status ${r.result}; RSS ${r.baseMiB.toFixed(0)} → peak ${r.peakMiB.toFixed(0)} MiB`;
  }

  const s = await call(emu, "/api/v1/create_session", { tags: [], user_metadata: {}, sdk_version: "0.4.1" });
  const m = await call(emu, "/api/v1/create_model", {
    session_id: s.body.session_id,
    model_seq_id: 0,
    base_model: "tinker-ts/tiny-lm",
    lora_config: { rank: 32 },
  });
  const modelId = (await settle(emu, m.body.request_id as string)).model_id as string;

  const tokens = quick ? 16_384 : DEFAULT_LIMITS.maxTokens;
  const perDatum = 2_048;
  const data = Array.from({ length: tokens / perDatum }, () => {
    const t = Array.from({ length: perDatum }, (_, i) => 65 + (i % 26));
    return {
      model_input: { chunks: [{ type: "encoded_text", tokens: t }] },
      loss_fn_inputs: { target_tokens: { data: t, dtype: "int64", shape: [perDatum] } },
    };
  });
  const fb = await stallWhile(async () => {
    const sub = await call(emu, "/api/v1/forward_backward", {
      model_id: modelId,
      seq_id: 1,
      forward_backward_input: { data, loss_fn: "cross_entropy" },
    });
    if (sub.status !== 200) throw new Error(JSON.stringify(sub.body));
    await settle(emu, sub.body.request_id as string);
  });
  out[`forward_backward, ${tokens} tokens (${data.length} datums)`] =
    `took ${(fb.ms / 1000).toFixed(1)} s; longest event-loop stall ${fb.maxMs.toFixed(1)} ms (p99 ${fb.p99Ms.toFixed(1)} ms)`;

  const maxTokens = quick ? 1_024 : DEFAULT_LIMITS.maxSampleTokens;
  const numSamples = (quick ? 16_384 : DEFAULT_LIMITS.maxGeneratedTokens) / maxTokens;
  const sm = await stallWhile(async () => {
    const sub = await call(emu, "/api/v1/asample", {
      base_model: "tinker-ts/tiny-lm",
      num_samples: numSamples,
      prompt: { chunks: [{ type: "encoded_text", tokens: [65, 66, 67] }] },
      sampling_params: { max_tokens: maxTokens, seed: 1 },
    });
    if (sub.status !== 200) throw new Error(JSON.stringify(sub.body));
    await settle(emu, sub.body.request_id as string);
  });
  out[`asample, ${numSamples} × ${maxTokens} tokens`] =
    `took ${(sm.ms / 1000).toFixed(1)} s; longest event-loop stall ${sm.maxMs.toFixed(1)} ms (p99 ${sm.p99Ms.toFixed(1)} ms)`;

  // What the same forward_backward costs as one synchronous call (the stall it used to cause).
  const rec = emu.state.store.models.get(modelId);
  if (rec) {
    const batch = data.slice(0, quick ? data.length : 16).map((d) => ({
      tokens: d.model_input.chunks[0]?.tokens as number[],
      lossFnInputs: {
        target_tokens: {
          data: d.loss_fn_inputs.target_tokens.data,
          dtype: "int64" as const,
          shape: [perDatum],
        },
      },
    }));
    const t0 = performance.now();
    rec.model.forward(batch, "cross_entropy", null);
    const ms = performance.now() - t0;
    out[`synchronous forward of ${batch.length * perDatum} tokens (for scale)`] =
      `${ms.toFixed(0)} ms blocked`;
  }
} finally {
  await emu.close();
}
for (const [k, v] of Object.entries(out)) console.log(`${k}: ${v}`);
