/**
 * getTokenizer through the clients: the emulator's byte tokenizer (found via get_info's tokenizer_id,
 * or by the `tinker-ts/` model name for sampling clients), and a real BPE tokenizer.json from a
 * local directory named in the client's environment. Nothing is downloaded.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTinyEngine } from "../../src/emulator/model/index.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ServiceClient, TokenizerError } from "../../src/index.js";
import { writeBpeTokenizer } from "../unit/tokenizer/bpe-fixture.js";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const KEY = "tml-TOKENIZER-KEY";
const EMULATOR_MODEL = "tinker-ts/tiny-lm";
let emulator: Emulator;
let service: ServiceClient;
const dirs: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({
    apiKey: KEY,
    engine: createTinyEngine({ supportedModels: [EMULATOR_MODEL, "Qwen/Qwen3-8B"] }),
  });
  service = new ServiceClient({ apiKey: KEY, baseUrl: emulator.url, telemetry: false });
});

afterAll(async () => {
  await service?.close();
  await emulator?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("getTokenizer on the emulator", () => {
  it("TrainingClient gets the byte tokenizer from get_info, even for a real model name", async () => {
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 2 });
    const tok = await training.getTokenizer();
    const ids = tok.encode("héllo");
    expect(ids).toEqual([...Buffer.from("héllo")]);
    expect(tok.decode(ids)).toBe("héllo");
    expect(await training.getTokenizer()).toBe(tok); // cached
  });

  it("SamplingClient asks the server for its base model and gets the byte tokenizer", async () => {
    const sampler = await service.createSamplingClient({ baseModel: EMULATOR_MODEL });
    expect(await sampler.getBaseModel()).toBe(EMULATOR_MODEL);
    const tok = await sampler.getTokenizer();
    expect(tok.decode(tok.encode("round trip"))).toBe("round trip");
    // One GET per call, as later Python versions do (the base model is not cached).
    expect(emulator.log.byPath(`/api/v1/samplers/${sampler.samplingSessionId}`, "GET")).toHaveLength(2);
  });

  it("SamplingClient on a real model name without local files says what it looked for", async () => {
    const empty = mkdtempSync(join(tmpdir(), "tinker-no-tok-"));
    dirs.push(empty);
    const isolated = new ServiceClient({
      apiKey: KEY,
      baseUrl: emulator.url,
      telemetry: false,
      env: { TINKER_TOKENIZER_DIR: empty, HF_HUB_CACHE: empty },
    });
    try {
      const sampler = await isolated.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
      const err = await sampler.getTokenizer().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TokenizerError);
      expect(String((err as Error).message)).toContain("Qwen/Qwen3-8B");
      expect(String((err as Error).message)).toContain(empty);
      expect(String((err as Error).message)).toContain("getTokenizer({ dir })");
      expect(String((err as Error).message)).not.toMatch(/huggingface-cli|pip /);
      // { dir } names the files directly; the earlier failure was not cached.
      const local = mkdtempSync(join(tmpdir(), "tinker-dir-tok-"));
      dirs.push(local);
      writeBpeTokenizer(local);
      const tok = await sampler.getTokenizer({ dir: local });
      expect(tok.decode(tok.encode("hello world"))).toBe("hello world");
      expect(await sampler.getTokenizer({ dir: local })).toBe(tok);
      await expect(sampler.getTokenizer()).rejects.toBeInstanceOf(TokenizerError);
    } finally {
      await isolated.close();
    }
  });
});

describe("getTokenizer with a local BPE tokenizer.json", () => {
  let server: ScriptedServer;
  afterAll(async () => server?.close());

  it("loads the files from TINKER_TOKENIZER_DIR/<tokenizer id> and round-trips text", async () => {
    const root = mkdtempSync(join(tmpdir(), "tinker-bpe-"));
    dirs.push(root);
    writeBpeTokenizer(join(root, "test-org", "tiny-bpe"));
    server = await startScriptedServer();
    server.script("POST /api/v1/create_session", { body: { type: "create_session", session_id: "s-1" } });
    server.script("POST /api/v1/create_model", { body: { request_id: "r-1", model_id: "m-1" } });
    server.script("POST /api/v1/retrieve_future", { body: { type: "create_model", model_id: "m-1" } });
    server.script("POST /api/v1/get_info", {
      body: {
        type: "get_info",
        model_id: "m-1",
        model_data: { arch: "tiny", model_name: "test-org/tiny-bpe/variant", tokenizer_id: null },
      },
    });
    const client = new ServiceClient({
      apiKey: KEY,
      baseUrl: server.url,
      telemetry: false,
      env: { TINKER_TOKENIZER_DIR: root },
    });
    try {
      const training = await client.createLoraTrainingClient("test-org/tiny-bpe/variant", { rank: 2 });
      const tok = await training.getTokenizer();
      // "org/model/variant" resolves to "org/model" as in 0.4.1; the merges make "hello" one token.
      const ids = tok.encode("hello world");
      expect(ids.length).toBeLessThan("hello world".length);
      expect(tok.decode(ids)).toBe("hello world");
    } finally {
      await client.close();
    }
  });
});
