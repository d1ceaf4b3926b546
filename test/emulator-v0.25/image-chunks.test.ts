/**
 * Image chunks (0.25.0 `ImageChunk`: base64 `data`, `format`, optional `expected_tokens`) in a
 * sampling prompt: accepted as `expected_tokens` positions, refused when malformed, as a service
 * validating its body would (422 naming the field).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { call, session025, settle } from "./helpers.js";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const PNG = Buffer.from("\x89PNG\r\n\x1a\nfake image bytes").toString("base64");

async function sampleWith(e: Emulator, image: Record<string, unknown>) {
  const { sessionId } = await session025(e);
  const s = await call(e, "POST", "/api/v1/create_sampling_session", {
    session_id: sessionId,
    sampling_session_seq_id: 0,
    base_model: "Qwen/Qwen3-8B",
    type: "create_sampling_session",
  });
  return call(e, "POST", "/api/v1/asample", {
    num_samples: 1,
    prompt: {
      chunks: [
        { tokens: [1, 2], type: "encoded_text" },
        { type: "image", ...image },
        { tokens: [3], type: "encoded_text" },
      ],
    },
    sampling_params: { max_tokens: 2, temperature: 1, top_k: -1, top_p: 1 },
    sampling_session_id: s.body.sampling_session_id,
    seq_id: 0,
    prompt_logprobs: true,
    topk_prompt_logprobs: 0,
    type: "sample",
  });
}

describe("image chunks on the emulator", () => {
  it("an image with expected_tokens takes that many prompt positions", async () => {
    emu = await startEmulator();
    const sub = await sampleWith(emu, { data: PNG, format: "png", expected_tokens: 4 });
    expect(sub.status, JSON.stringify(sub.body)).toBe(200);
    const res = await settle(emu, sub.body.request_id);
    expect(res.status).toBe(200);
    // 2 text + 4 image + 1 text positions.
    expect(res.body.prompt_logprobs).toHaveLength(7);
  });

  it("an image without expected_tokens is accepted", async () => {
    emu = await startEmulator();
    const sub = await sampleWith(emu, { data: PNG, format: "jpeg" });
    expect(sub.status, JSON.stringify(sub.body)).toBe(200);
    expect((await settle(emu, sub.body.request_id)).status).toBe(200);
  });

  it.each([
    ["format", { data: PNG, format: "gif" }],
    ["data", { data: "", format: "png" }],
    ["data", { data: "not base64!", format: "png" }],
    ["expected_tokens", { data: PNG, format: "png", expected_tokens: -1 }],
    ["expected_tokens", { data: PNG, format: "png", expected_tokens: 1.5 }],
  ])("refuses a bad %s", async (field, image) => {
    emu = await startEmulator();
    const sub = await sampleWith(emu, image);
    expect(sub.status).toBe(422);
    expect(JSON.stringify(sub.body)).toContain(`chunks.1.${field}`);
  });
});
