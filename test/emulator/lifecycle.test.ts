/**
 * Start and close: ephemeral loopback port, pending long-polls released, sockets closed, temp dir removed.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { call, sessionAndModel } from "./helpers.js";

describe("emulator lifecycle", () => {
  it("binds 127.0.0.1 on an ephemeral port", async () => {
    const e = await startEmulator();
    try {
      expect(e.url).toBe(`http://127.0.0.1:${e.port}`);
      expect(e.port).toBeGreaterThan(0);
    } finally {
      await e.close();
    }
  });

  it("close releases a held long-poll, closes keep-alive sockets and removes its temp dir", async () => {
    const e = await startEmulator({ pollHoldMs: 60_000 });
    const { modelId } = await sessionAndModel(e);
    e.state.futures.pause();
    const sub = await call(e, "POST", "/api/v1/optim_step", {
      adam_params: {},
      model_id: modelId,
      seq_id: 1,
    });
    const poll = call(e, "POST", "/api/v1/retrieve_future", { request_id: sub.body.request_id }).then(
      (r) => r.status,
      () => "error",
    );
    while (e.log.byPath("/api/v1/retrieve_future").length === 0) await new Promise((r) => setImmediate(r));
    await e.close();
    // Either answered (pending) or cut off — but never left hanging.
    expect([200, "error"]).toContain(await poll);
    expect(existsSync(e.dataDir)).toBe(false);
    await expect(fetch(`${e.url}/api/v1/healthz`)).rejects.toThrow();
    await e.close(); // idempotent
  });
});
