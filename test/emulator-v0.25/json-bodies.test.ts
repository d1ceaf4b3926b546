/**
 * The 0.25.0 JSON bodies (defaults and `type` fields sent, new fields such as `weight_decay`,
 * `ttl_seconds`, `optimizer`) taken from training_proto.jsonl and replayed against the emulator with
 * its own ids: each must be accepted as the recording server accepted it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { loadTranscriptV025 } from "../parity-v0.25/golden.js";
import { call, session025, settle } from "./helpers.js";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe("0.25.0 JSON request bodies", () => {
  it("training_proto's optim_step, save_weights, load_weights(+optimizer), save_weights_for_sampler(ttl), get_info, heartbeat", async () => {
    emu = await startEmulator();
    const { sessionId, modelId } = await session025(emu);
    const lines = loadTranscriptV025("training_proto").filter(
      (l) =>
        l.body_format === "json" &&
        [
          "/api/v1/optim_step",
          "/api/v1/save_weights",
          "/api/v1/load_weights",
          "/api/v1/save_weights_for_sampler",
          "/api/v1/get_info",
        ].includes(l.path),
    );
    expect(lines.length).toBeGreaterThanOrEqual(8);
    let seq = 0;
    for (const l of lines) {
      const text = JSON.stringify(l.body)
        .replaceAll("sess-1:train:0", modelId)
        .replaceAll("sess-1", sessionId);
      const body = JSON.parse(text) as Record<string, unknown>;
      if (typeof body.seq_id === "number") body.seq_id = ++seq;
      const sub = await call(emu, "POST", l.path, body);
      expect(sub.status, `${l.path} (training_proto:${l.seq}) ${JSON.stringify(sub.body)}`).toBe(200);
      if (sub.body.request_id) {
        const res = await settle(emu, sub.body.request_id);
        expect(res.status, `${l.path} result ${JSON.stringify(res.body)}`).toBe(200);
        expect(res.body.error, `${l.path} result`).toBeUndefined();
      }
    }
    const hb = await call(emu, "POST", "/api/v1/session_heartbeat", {
      session_id: sessionId,
      type: "session_heartbeat",
    });
    expect(hb.status).toBe(200);
  });
});
