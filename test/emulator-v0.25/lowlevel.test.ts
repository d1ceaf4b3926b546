/**
 * The LowLevelClient against the emulator (speaking 0.25.0): every resource answers, and a model
 * made by a ServiceClient is unloaded through `models.unload` and one `futures.retrieve` per poll.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { LowLevelClient, NotFoundError, ServiceClient } from "../../src/index.js";
import { CLIENT_CONFIG_DEFAULTS } from "../../src/protocol/client-config.js";
import { KEY } from "./helpers.js";

let emu: Emulator | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await emu?.close();
  emu = undefined;
});

describe("LowLevelClient on the emulator", () => {
  it("config, dynamic config, health and a JWT", async () => {
    emu = await startEmulator({ v025: { dynamicConfig: 15 } });
    const api = new LowLevelClient({ apiKey: KEY, baseUrl: emu.url, protocol: "0.25.0" });
    closers.push(() => api.close());
    expect(await api.clientConfig()).toEqual({ ...CLIENT_CONFIG_DEFAULTS, use_pyqwest_transport: false });
    expect(await api.clientDynamicConfig()).toEqual({ refresh_interval_sec: 15 });
    expect(await api.healthCheck()).toEqual({ status: "ok" });
    const { jwt } = await api.authToken();
    expect(jwt.split(".")).toHaveLength(3);
  });

  it("unloads a model: an untyped future, then its UnloadModelResponse through futures.retrieve", async () => {
    emu = await startEmulator({ seed: 0 });
    const service = new ServiceClient({
      apiKey: KEY,
      baseUrl: emu.url,
      protocol: "0.25.0",
      telemetry: false,
    });
    closers.push(() => service.close());
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 4 });
    const api = new LowLevelClient({ apiKey: KEY, baseUrl: emu.url, protocol: "0.25.0" });
    closers.push(() => api.close());
    const future = await api.models.unload(training.modelId);
    expect(future).toMatchObject({ model_id: training.modelId });
    expect(typeof future.request_id).toBe("string");
    let answer = await api.futures.retrieve(future.request_id);
    for (let i = 0; i < 100 && "type" in answer && answer.type === "try_again"; i++) {
      answer = await api.futures.retrieve(future.request_id);
    }
    expect(answer).toEqual({ model_id: training.modelId, type: "unload_model" });
  });

  it("an unknown future is the server's 404, not a result", async () => {
    emu = await startEmulator();
    const api = new LowLevelClient({ apiKey: KEY, baseUrl: emu.url, protocol: "0.25.0" });
    closers.push(() => api.close());
    await expect(api.futures.retrieve("req-missing")).rejects.toBeInstanceOf(NotFoundError);
  });
});
