/**
 * `save_weights` with 0.25.0's `overwrite` (default false, always sent): a save to a checkpoint name
 * that exists is refused with 400 (not 409, which both SDKs retry for minutes) and a detail naming
 * the checkpoint, before anything is queued;
 * `overwrite: true` replaces it. 0.4.1 sends no such field, and its saves replace as before.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ServiceClient } from "../../src/index.js";
import { call, KEY, session025, settle } from "./helpers.js";

let emu: Emulator | undefined;
let service: ServiceClient | undefined;
afterEach(async () => {
  await service?.close();
  await emu?.close();
  emu = service = undefined;
});

const save = (modelId: string, seq: number, path: string, overwrite?: boolean) => ({
  model_id: modelId,
  path,
  seq_id: seq,
  ...(overwrite === undefined ? {} : { overwrite }),
  type: "save_weights",
});

describe("save_weights overwrite (emulator)", () => {
  it("refuses a taken name with overwrite false (400, naming it); overwrite true replaces it", async () => {
    emu = await startEmulator({ seed: 0 });
    const { modelId } = await session025(emu);
    const first = await call(emu, "POST", "/api/v1/save_weights", save(modelId, 1, "ckpt", false));
    expect(first.status).toBe(200);
    expect((await settle(emu, first.body.request_id)).body).toMatchObject({
      path: `tinker://${modelId}/weights/ckpt`,
    });
    const again = await call(emu, "POST", "/api/v1/save_weights", save(modelId, 2, "ckpt", false));
    expect(again.status).toBe(400);
    expect(String(again.body.detail)).toContain(`tinker://${modelId}/weights/ckpt`);
    // Nothing was queued: the refused seq_id may be sent again.
    const replaced = await call(emu, "POST", "/api/v1/save_weights", save(modelId, 2, "ckpt", true));
    expect(replaced.status).toBe(200);
    expect((await settle(emu, replaced.body.request_id)).body).toMatchObject({
      path: `tinker://${modelId}/weights/ckpt`,
    });
    const other = await call(emu, "POST", "/api/v1/save_weights", save(modelId, 3, "other", false));
    expect(other.status).toBe(200);
    const bad = await call(emu, "POST", "/api/v1/save_weights", {
      ...save(modelId, 4, "x"),
      overwrite: "no",
    });
    expect(bad.status).toBe(422);
  });

  it("a 0.4.1 body (no overwrite field) replaces the checkpoint as before", async () => {
    emu = await startEmulator({ seed: 0 });
    const { modelId } = await session025(emu);
    for (const seq of [1, 2]) {
      const r = await call(emu, "POST", "/api/v1/save_weights", save(modelId, seq, "same"));
      expect(r.status).toBe(200);
      await settle(emu, r.body.request_id);
    }
  });

  it("a 0.25.0 client sends overwrite (false by default); saveState with overwrite true replaces", async () => {
    emu = await startEmulator({ seed: 0 });
    service = new ServiceClient({ protocol: "0.25.0", apiKey: KEY, baseUrl: emu.url, telemetry: false });
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 8 });
    const { path } = await training.saveState("twice");
    const again = await training.saveState("twice", { overwrite: true });
    expect(again.path).toBe(path);
    const bodies = emu.log.entries.filter((r) => r.path === "/api/v1/save_weights").map((r) => r.body);
    expect(bodies.map((x) => (x as { overwrite: boolean }).overwrite)).toEqual([false, true]);
    // A third save without overwrite fails at once, naming the checkpoint, and sends it once.
    await expect(training.saveState("twice")).rejects.toThrow(/tinker:\/\/.*\/weights\/twice already exists/);
    expect(emu.log.entries.filter((r) => r.path === "/api/v1/save_weights")).toHaveLength(3);
    // The refused save consumed nothing the next call needs: training goes on.
    await expect(training.optimStep({ learning_rate: 1e-4 })).resolves.toBeDefined();
  });
});
