/**
 * Protobuf and zstd bodies for forward_backward / forward, protobuf results for polls that accept
 * them, and metadata-only answers (facts 5–9), on the same emulator that serves 0.4.1 JSON.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ModelInput, TensorData } from "../../src/index.js";
import { encodeForwardBackwardRequest } from "../../src/protocol/v0_25/forward-backward-request.js";
import { type DatumLike, forwardBackwardRequestToPb } from "../../src/protocol/v0_25/from-sdk.js";
import { parseForwardBackwardOutputPb, parseSampleResponsePb } from "../../src/protocol/v0_25/results.js";
import { zstdCompress } from "../../src/protocol/zstd.js";
import { batch, run } from "../emulator/helpers.js";
import { call, pollOnce, pollUntilDone, postProtobuf, session025 } from "./helpers.js";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const data = (): DatumLike[] =>
  [0, 1].map((i) => ({
    model_input: ModelInput.fromInts([65 + i, 66, 67]),
    loss_fn_inputs: {
      target_tokens: TensorData.fromArray([66, 67, 68], "int64"),
      weights: TensorData.fromArray([1, 1, 1], "float32"),
    },
  }));

const request = (modelId: string, seqId: number, forwardOnly = false) =>
  encodeForwardBackwardRequest(
    forwardBackwardRequestToPb({
      model_id: modelId,
      seq_id: seqId,
      data: data(),
      loss_fn: "cross_entropy",
      forward_only: forwardOnly,
    }),
  );

describe("protobuf forward_backward", () => {
  it("runs a protobuf request and answers a protobuf ForwardBackwardOutput to a poll that accepts it", async () => {
    emu = await startEmulator();
    const { modelId } = await session025(emu);
    const sub = await postProtobuf(emu, "/api/v1/forward_backward", request(modelId, 1));
    expect(sub.status).toBe(200);
    const { request_id } = sub.body as { request_id: string };
    const res = await pollUntilDone(emu, request_id);
    expect(res.contentType).toContain("application/x-protobuf");
    const out = parseForwardBackwardOutputPb(res.bytes as Uint8Array);
    expect(out.loss_fn_outputs).toHaveLength(2);
    expect(out.loss_fn_outputs[0]?.logprobs?.shape).toEqual([3]);
    expect(Object.keys(out.metrics)).toContain("loss:sum");
    // The request log shows the protobuf body decoded.
    const logged = emu.log.entries.find((e) => e.path === "/api/v1/forward_backward");
    expect(JSON.parse(JSON.stringify(logged?.body))).toMatchObject({
      __message__: "tinker_public.ForwardBackwardRequest",
      seq_id: 1,
    });
  });

  it("gives the same numbers as the 0.4.1 JSON request for the same data (forward: no weight change)", async () => {
    emu = await startEmulator();
    const { modelId } = await session025(emu);
    const json = await run(emu, "/api/v1/forward", {
      model_id: modelId,
      seq_id: 1,
      forward_input: { data: batch(2), loss_fn: "cross_entropy" },
    });
    const sub = await postProtobuf(emu, "/api/v1/forward_backward", request(modelId, 2, true));
    const res = await pollUntilDone(emu, (sub.body as { request_id: string }).request_id);
    const pb = parseForwardBackwardOutputPb(res.bytes as Uint8Array);
    // float32 on the wire: compare at float32 precision.
    const f32 = (xs: number[]) => Array.from(Float32Array.from(xs));
    expect(pb.loss_fn_outputs.map((o) => o.logprobs?.data)).toEqual(
      json.loss_fn_outputs.map((o: { logprobs: { data: number[] } }) => f32(o.logprobs.data)),
    );
    expect(emu.log.entries.at(-2)?.path).toBe("/api/v1/forward_backward");
  });

  it("accepts zstd bodies (Content-Encoding: zstd)", async () => {
    emu = await startEmulator();
    const { modelId } = await session025(emu);
    const sub = await postProtobuf(emu, "/api/v1/forward_backward", await zstdCompress(request(modelId, 1)), {
      encoding: "zstd",
    });
    expect(sub.status).toBe(200);
    const res = await pollUntilDone(emu, (sub.body as { request_id: string }).request_id);
    expect(res.bytes).toBeDefined();
  });

  it("still checks seq_ids, and refuses bytes that are not the message or not zstd", async () => {
    emu = await startEmulator();
    const { modelId } = await session025(emu);
    expect((await postProtobuf(emu, "/api/v1/forward_backward", request(modelId, 1))).status).toBe(200);
    expect((await postProtobuf(emu, "/api/v1/forward_backward", request(modelId, 1))).status).toBe(400);
    expect((await postProtobuf(emu, "/api/v1/forward_backward", Uint8Array.of(0x0a, 0xff))).status).toBe(400);
    expect(
      (
        await postProtobuf(emu, "/api/v1/forward_backward", Uint8Array.of(1, 2, 3, 4, 5), {
          encoding: "zstd",
        })
      ).status,
    ).toBe(400);
  });

  it("answers JSON to polls that do not accept protobuf", async () => {
    emu = await startEmulator();
    const { modelId } = await session025(emu);
    const sub = await postProtobuf(emu, "/api/v1/forward_backward", request(modelId, 1));
    const r = await call(emu, "POST", "/api/v1/retrieve_future", {
      request_id: (sub.body as { request_id: string }).request_id,
    });
    expect(r.headers.get("content-type")).toContain("application/json");
  });
});

describe("protobuf samples and metadata-only polls", () => {
  const sample = (emuUrl: Emulator) =>
    call(emuUrl, "POST", "/api/v1/asample", {
      num_samples: 2,
      prompt: { chunks: [{ tokens: [65, 66], type: "encoded_text" }] },
      sampling_params: { max_tokens: 3, seed: 1, temperature: 1, top_k: -1, top_p: 1 },
      base_model: "Qwen/Qwen3-8B",
      prompt_logprobs: true,
      topk_prompt_logprobs: 0,
      type: "sample",
    });

  it("answers a SampleResponse as protobuf; prompt logprob of the first token is null (NaN on the wire)", async () => {
    emu = await startEmulator();
    const sub = await sample(emu);
    expect(sub.status).toBe(200);
    const res = await pollUntilDone(emu, sub.body.request_id);
    const out = parseSampleResponsePb(res.bytes as Uint8Array);
    expect(out.sequences).toHaveLength(2);
    expect(out.sequences[0]?.tokens.length).toBeGreaterThan(0);
    expect(out.prompt_logprobs?.[0]).toBeNull();
  });

  it("allow_metadata_only: complete_metadata with the payload size first, then the result", async () => {
    emu = await startEmulator({ v025: { metadataOnlyOverBytes: 0 } });
    const sub = await sample(emu);
    let first = await pollOnce(emu, sub.body.request_id, true);
    for (let i = 0; i < 100 && (first.json as { type?: string } | undefined)?.type === "try_again"; i++) {
      first = await pollOnce(emu, sub.body.request_id, true);
    }
    expect(first.json).toMatchObject({ status: "complete_metadata" });
    const size = (first.json as { response_payload_size: number }).response_payload_size;
    const second = await pollOnce(emu, sub.body.request_id, false);
    expect(second.bytes?.byteLength).toBe(size);
  });
});
