/**
 * Issue 21: the emulator's limits (413 before reading, before auth work; bounded log without
 * secrets; per-request caps), validation as the service's (names, integers, vocabulary,
 * temperature), serialised saves, no absolute paths, and model work that lets the event loop turn.
 */
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { batch, call, KEY, run, sessionAndModel, settle } from "./helpers.js";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

/** Sends headers that declare `length` bytes, then `sent` bytes; resolves with the status answered. */
function declare(
  e: Emulator,
  path: string,
  length: number | "chunked",
  sent: number,
  key: string | null = KEY,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key !== null) headers["x-api-key"] = key;
    if (length !== "chunked") headers["content-length"] = String(length);
    const req = httpRequest(`${e.url}${path}`, { method: "POST", headers }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let left = sent;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!req.write(chunk.subarray(0, n))) return void req.once("drain", pump);
      }
      if (length === "chunked" || sent >= (length as number)) req.end();
    };
    req.flushHeaders();
    pump();
  });
}

function tokensDatum(n: number) {
  const tokens = Array.from({ length: n }, (_, i) => 65 + (i % 26));
  return {
    model_input: { chunks: [{ type: "encoded_text", tokens }] },
    loss_fn_inputs: { target_tokens: { data: tokens, dtype: "int64", shape: [n] } },
  };
}

describe("body limit", () => {
  it("answers 413 to a declared length over the limit before reading any of it", async () => {
    emu = await startEmulator({ limits: { maxBodyBytes: 1024 } });
    // 1 GB declared, nothing sent: only a server that does not wait for the body can answer.
    const r = await declare(emu, "/api/v1/create_session", 1_000_000_000, 0);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).detail).toMatch(/larger than the limit of 1024 bytes/);
    const logged = emu.log.byPath("/api/v1/create_session").at(-1);
    expect(logged?.status).toBe(413);
    expect(logged?.body).toBeUndefined();
  });

  it("answers 413 to a chunked body once it passes the limit", async () => {
    emu = await startEmulator({ limits: { maxBodyBytes: 100_000 } });
    const r = await declare(emu, "/api/v1/create_session", "chunked", 300_000);
    expect(r.status).toBe(413);
    expect((await call(emu, "GET", "/api/v1/healthz")).status).toBe(200);
  });

  it("answers 401 before reading the body of an unauthenticated request, and keeps no body", async () => {
    emu = await startEmulator({ apiKey: "tml-RIGHT" });
    const r = await declare(emu, "/api/v1/create_session", 1_000_000_000, 0, "tml-WRONG");
    expect(r.status).toBe(401);
    const logged = emu.log.entries.at(-1);
    expect(logged?.status).toBe(401);
    expect(logged?.body).toBeUndefined();
  });
});

describe("request log", () => {
  it("is bounded in entries and bytes, and keeps no credential headers", async () => {
    emu = await startEmulator({ log: { maxEntries: 50, maxBodyBytes: 20_000 } });
    for (let i = 0; i < 120; i++) {
      await call(
        emu,
        "POST",
        "/api/v1/telemetry",
        { events: [], pad: "x".repeat(1_000) },
        {
          "x-api-key": KEY,
          "cf-access-client-secret": "SECRET-VALUE",
          "cf-access-client-id": "id-1",
          authorization: "Bearer SECRET-VALUE",
        },
      );
    }
    expect(emu.log.entries.length).toBeLessThanOrEqual(50);
    // ~1 KB bodies and a 20 KB bound: about 20 kept.
    expect(emu.log.entries.length).toBeLessThanOrEqual(21);
    expect(emu.log.dropped).toBe(120 - emu.log.entries.length);
    expect(emu.log.entries.at(-1)?.index).toBe(120);
    const text = JSON.stringify(emu.log.entries);
    expect(text).not.toContain("SECRET-VALUE");
    expect(text).not.toContain(KEY);
    expect(emu.log.entries.at(-1)?.headers["cf-access-client-id"]).toBe("id-1");
  });
});

describe("per-request caps", () => {
  it("refuses too many datums, tokens, max_tokens, num_samples and their product with 400 naming the field", async () => {
    emu = await startEmulator({
      limits: {
        maxDatums: 3,
        maxTokens: 100,
        maxSampleTokens: 50,
        maxNumSamples: 4,
        maxGeneratedTokens: 120,
      },
    });
    const { modelId } = await sessionAndModel(emu);
    const fb = (data: unknown[]) =>
      call(emu as Emulator, "POST", "/api/v1/forward_backward", {
        model_id: modelId,
        seq_id: 1,
        forward_backward_input: { data, loss_fn: "cross_entropy" },
      });
    const datums = await fb(batch(4));
    expect(datums.status).toBe(400);
    expect(datums.body.detail).toBe(
      "forward_backward_input.data: 4 datums in one request; this server's limit is 3",
    );
    const tokens = await fb([tokensDatum(60), tokensDatum(60)]);
    expect(tokens.status).toBe(400);
    expect(tokens.body.detail).toMatch(
      /^forward_backward_input.data: 120 model-input tokens .* limit is 100$/,
    );
    const sample = (n: number, maxTokens: number) =>
      call(emu as Emulator, "POST", "/api/v1/asample", {
        base_model: "Qwen/Qwen3-8B",
        num_samples: n,
        prompt: { chunks: [{ type: "encoded_text", tokens: [65, 66] }] },
        sampling_params: { max_tokens: maxTokens },
      });
    expect((await sample(1, 51)).body.detail).toMatch(
      /^sampling_params.max_tokens: 51 tokens .* limit is 50$/,
    );
    expect((await sample(5, 1)).body.detail).toMatch(/^num_samples: 5 samples .* limit is 4$/);
    const product = await sample(4, 40);
    expect(product.status).toBe(400);
    expect(product.body.detail).toMatch(/^num_samples: 160 × sampling_params.max_tokens .* limit is 120$/);
    // Within every cap the same requests work.
    expect((await sample(3, 40)).status).toBe(200);
    expect((await fb(batch(3))).status).toBe(200);
  });
});

describe("validation as the service's", () => {
  it("refuses names . and .., huge integers, ids beyond the vocabulary and negative temperatures", async () => {
    emu = await startEmulator();
    const { modelId } = await sessionAndModel(emu);
    for (const name of [".", ".."]) {
      const r = await call(emu, "POST", "/api/v1/save_weights", { model_id: modelId, path: name, seq_id: 1 });
      expect(r.status).toBe(400);
      expect(r.body.detail).toMatch(/invalid checkpoint name/);
    }
    const huge = await call(emu, "POST", "/api/v1/optim_step", {
      model_id: modelId,
      seq_id: 1e300,
      adam_params: { learning_rate: 1e-3 },
    });
    expect(huge.status).toBe(422);
    expect(JSON.stringify(huge.body)).toMatch(/seq_id: integer out of range/);
    // The refused 1e300 did not poison the model's seq-id state.
    const ok = await run(emu, "/api/v1/optim_step", { model_id: modelId, seq_id: 1, adam_params: {} });
    expect(ok.metrics).toBeDefined();
    const big = tokensDatum(3);
    big.model_input.chunks[0]?.tokens.splice(1, 1, 1e9);
    const vocab = await call(emu, "POST", "/api/v1/forward", {
      model_id: modelId,
      seq_id: 2,
      forward_input: { data: [big], loss_fn: "cross_entropy" },
    });
    expect(vocab.status).toBe(400);
    expect((vocab.body as { detail: string }).detail).toBe(
      "data[0].model_input.chunks[0].tokens[1]: token id 1000000000 is outside the vocabulary (size 151936)",
    );
    const temp = await call(emu, "POST", "/api/v1/asample", {
      base_model: "Qwen/Qwen3-8B",
      prompt: { chunks: [{ type: "encoded_text", tokens: [65] }] },
      sampling_params: { temperature: -0.5 },
    });
    expect(temp.status).toBe(400);
    expect(temp.body.detail).toBe("sampling_params.temperature: must not be negative");
  });

  it("answers an archive URL of a deleted checkpoint with 404, never a path of the data directory", async () => {
    emu = await startEmulator();
    const { modelId } = await sessionAndModel(emu);
    await run(emu, "/api/v1/save_weights", { model_id: modelId, path: "gone", seq_id: 1 });
    const link = await call(emu, "GET", `/api/v1/training_runs/${modelId}/checkpoints/weights/gone/archive`);
    expect(link.status).toBe(302);
    await call(emu, "DELETE", `/api/v1/training_runs/${modelId}/checkpoints/weights/gone`);
    const res = await fetch(link.headers.get("location") as string);
    const text = await res.text();
    expect(res.status).toBe(404);
    expect(text).toContain("no longer exists");
    expect(text).not.toContain(emu.dataDir);
  });

  it("serialises 20 concurrent saves to one name: all land, one checkpoint, a whole archive", async () => {
    emu = await startEmulator();
    const { modelId } = await sessionAndModel(emu);
    const saves = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        run(emu as Emulator, "/api/v1/save_weights", { model_id: modelId, path: "same", seq_id: i + 1 }),
      ),
    );
    expect(new Set(saves.map((s) => s.path))).toEqual(new Set([`tinker://${modelId}/weights/same`]));
    const list = await call(emu, "GET", `/api/v1/training_runs/${modelId}/checkpoints`);
    expect(list.body.checkpoints.map((c: { checkpoint_id: string }) => c.checkpoint_id)).toEqual([
      "weights/same",
    ]);
    const link = await call(emu, "GET", `/api/v1/training_runs/${modelId}/checkpoints/weights/same/archive`);
    const tar = Buffer.from(await (await fetch(link.headers.get("location") as string)).arrayBuffer());
    expect(tar.includes(Buffer.from("state.bin"))).toBe(true);
    expect(tar.includes(Buffer.from(".saving-"))).toBe(false);
  });
});

describe("long model work", () => {
  it("lets other requests through while a large forward_backward runs", async () => {
    emu = await startEmulator({ pollHoldMs: 0 });
    const { modelId } = await sessionAndModel(emu);
    const sub = await call(emu, "POST", "/api/v1/forward_backward", {
      model_id: modelId,
      seq_id: 1,
      forward_backward_input: { data: [tokensDatum(5_000)], loss_fn: "cross_entropy" },
    });
    expect(sub.status).toBe(200);
    // While the work runs, heartbeats and polls are answered: the poll sees the future still pending.
    let sawPending = false;
    for (let i = 0; i < 5; i++) {
      const poll = await call(emu, "POST", "/api/v1/retrieve_future", { request_id: sub.body.request_id });
      expect((await call(emu, "GET", "/api/v1/healthz")).status).toBe(200);
      if (poll.body?.type === "try_again") sawPending = true;
    }
    expect(sawPending).toBe(true);
    const done = await settle(emu, sub.body.request_id);
    expect(done.body.loss_fn_outputs[0].logprobs.data).toHaveLength(5_000);
  }, 60_000);
});

describe("large answers", () => {
  it("are serialised in slices to the same JSON as JSON.stringify", async () => {
    const { stringifyYielding } = await import("../../src/emulator/http-util.js");
    const body = {
      loss_fn_output_type: "cross_entropy",
      loss_fn_outputs: Array.from({ length: 5 }, (_, d) => ({
        logprobs: {
          data: Array.from({ length: 9_000 }, (_, i) => -i / 7 - d),
          dtype: "float32",
          shape: [9_000],
        },
        skipped: undefined,
        nested: [[1, null, 'x\n"y'], [], {}, [undefined]],
      })),
      metrics: { "loss:sum": 1.5, nan: Number.NaN },
      empty: [],
    };
    expect(await stringifyYielding(body)).toBe(JSON.stringify(body));
    expect(await stringifyYielding([1, "a", null, true])).toBe(JSON.stringify([1, "a", null, true]));
  });
});
