/**
 * The probe of issue 21 (`npx tsx bench/hardening-probe.ts [--quick]`), for the figures the issue asks
 * for: the largest body refused and the emulator's peak RSS while refusing it, and the longest
 * event-loop stall while the largest allowed requests run (measured with
 * `perf_hooks.monitorEventLoopDelay`), next to what the same work costs when run synchronously.
 * The emulator runs in a child process, which measures its own event loop and RSS; the client runs
 * in this process, so its own JSON work and buffers are not counted against the emulator.
 */
import { request } from "node:http";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { type ChildProcess, fork } from "node:child_process";
import { DEFAULT_LIMITS } from "../src/emulator/limits.js";
import { type Emulator, startEmulator } from "../src/emulator/index.js";
import { createTinyEngine } from "../src/emulator/model/index.js";

const quick = process.argv.includes("--quick");
const KEY = "tml-PROBE";
const MiB = 1024 * 1024;

/** Streams `bytes` to the emulator (chunked, or with a declared length) and returns the status. */
function push(emu: Emulator, bytes: number, declare: boolean, key: string | null): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key) headers["x-api-key"] = key;
    if (declare) headers["content-length"] = String(bytes);
    let answered = false;
    const req = request(`${emu.url}/api/v1/create_session`, { method: "POST", headers }, (res) => {
      answered = true;
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    // The emulator closes the connection after refusing; a write may fail before the answer is read.
    req.on("error", () => setTimeout(() => answered || resolve(-1), 50));
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

/** The emulator's process: posts its URL, then answers "reset", "stall", "rss" and "close". */
function serve(): void {
  let h = monitorEventLoopDelay({ resolution: 1 });
  let peak = 0;
  setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5).unref();
  const send = (m: unknown) => process.send?.(m);
  void startEmulator({ apiKey: KEY, pollHoldMs: 1_000 }).then((emu) => {
    process.on("message", async (msg: string) => {
      if (msg === "reset") {
        h.disable();
        h = monitorEventLoopDelay({ resolution: 1 });
        h.enable();
        globalThis.gc?.();
        peak = process.memoryUsage.rss();
        send({ rssMiB: peak / MiB });
      } else if (msg === "stall") {
        h.disable();
        send({ maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, peakMiB: peak / MiB });
      } else if (msg === "close") {
        await emu.close();
        send("closed");
        process.exit(0);
      }
    });
    send(emu.url);
  });
}

function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as T));
    child.send(msg);
  });
}

interface Figures {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly peakMiB: number;
  readonly baseMiB: number;
  readonly ms: number;
}

/** The emulator's longest event-loop stall and peak RSS while `work` runs. */
async function measure(child: ChildProcess, work: () => Promise<unknown>): Promise<Figures> {
  const { rssMiB } = await ask<{ rssMiB: number }>(child, "reset");
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  return { ...(await ask<Omit<Figures, "ms" | "baseMiB">>(child, "stall")), baseMiB: rssMiB, ms };
}

async function main(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ["--serve"], {
    execArgv: ["--expose-gc", "--import", "tsx"],
  });
  const url = await new Promise<string>((resolve) => child.once("message", (m) => resolve(m as string)));
  const emu = { url, port: Number(new URL(url).port) } as Emulator;
  const out: Record<string, string> = {};
  try {
    const big = quick ? 256 * MiB : 1024 * MiB;
    for (const [name, declare, key] of [
      ["chunked, authenticated", false, KEY],
      ["declared length, authenticated", true, KEY],
      ["chunked, wrong key", false, "tml-WRONG"],
    ] as const) {
      let status = 0;
      const r = await measure(child, async () => {
        status = await push(emu, big, declare, key);
      });
      out[`${big / MiB} MiB body, ${name}`] =
        `status ${status}; emulator RSS ${r.baseMiB.toFixed(0)} → peak ${r.peakMiB.toFixed(0)} MiB`;
    }

    // The same monitor with the emulator idle: on a loaded machine the OS alone stalls a process.
    const idle = await measure(child, () => new Promise((r) => setTimeout(r, quick ? 3_000 : 10_000)));
    out["idle (baseline)"] =
      `emulator's longest event-loop stall ${idle.maxMs.toFixed(1)} ms (p99 ${idle.p99Ms.toFixed(1)} ms) over ${(idle.ms / 1000).toFixed(0)} s`;

    const s = await call(emu, "/api/v1/create_session", {
      tags: [],
      user_metadata: {},
      sdk_version: "0.4.1",
    });
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
    const fb = await measure(child, async () => {
      const sub = await call(emu, "/api/v1/forward_backward", {
        model_id: modelId,
        seq_id: 1,
        forward_backward_input: { data, loss_fn: "cross_entropy" },
      });
      if (sub.status !== 200) throw new Error(JSON.stringify(sub.body));
      await settle(emu, sub.body.request_id as string);
    });
    out[`forward_backward, ${tokens} tokens (${data.length} datums)`] =
      `took ${(fb.ms / 1000).toFixed(1)} s; emulator's longest event-loop stall ${fb.maxMs.toFixed(1)} ms (p99 ${fb.p99Ms.toFixed(1)} ms)`;

    const maxTokens = quick ? 1_024 : DEFAULT_LIMITS.maxSampleTokens;
    const numSamples = (quick ? 16_384 : DEFAULT_LIMITS.maxGeneratedTokens) / maxTokens;
    const sm = await measure(child, async () => {
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
      `took ${(sm.ms / 1000).toFixed(1)} s; emulator's longest event-loop stall ${sm.maxMs.toFixed(1)} ms (p99 ${sm.p99Ms.toFixed(1)} ms)`;

    // Part of that work as one synchronous call, for scale: the kind of stall it used to cause.
    const model = createTinyEngine().createModel("tinker-ts/tiny-lm", {
      rank: 32,
      seed: 1,
      trainMlp: true,
      trainAttn: true,
      trainUnembed: true,
    });
    const slice = data.slice(0, quick ? data.length : 16).map((d) => ({
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
    model.forwardBackward(slice, "cross_entropy", null);
    out[`synchronous forward_backward of ${slice.length * perDatum} tokens (for scale)`] =
      `${(performance.now() - t0).toFixed(0)} ms blocked`;
  } finally {
    await ask(child, "close");
  }
  for (const [k, v] of Object.entries(out)) console.log(`${k}: ${v}`);
}

if (process.argv.includes("--serve")) serve();
else await main();
