import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type AdamParams,
  datum,
  encodeCreateModelRequest,
  encodeCreateSamplingSessionRequest,
  encodeCreateSessionRequest,
  encodeForwardBackwardRequest,
  encodeForwardRequest,
  encodeFutureRetrieveRequest,
  encodeGetInfoRequest,
  encodeLoadWeightsRequest,
  encodeOptimStepRequest,
  encodeSampleRequest,
  encodeSaveWeightsForSamplerRequest,
  encodeSaveWeightsRequest,
  encodeSessionHeartbeatRequest,
  encodeUnloadModelRequest,
  type LossFnType,
  ModelInput,
  type SamplingParams,
} from "../../../src/types/index.js";

interface GoldenRecord {
  seq: number;
  path: string;
  body: Record<string, unknown> | null;
}

const dir = join(import.meta.dirname, "../../fixtures/golden");
function load(name: string): GoldenRecord[] {
  return readFileSync(join(dir, name), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as GoldenRecord);
}
function line(name: string, seq: number): Record<string, unknown> {
  const rec = load(name).find((r) => r.seq === seq);
  if (!rec?.body) throw new Error(`no body at ${name}:${seq}`);
  return rec.body;
}

type WireDatum = {
  loss_fn_inputs: Record<string, { data: number[] }>;
  model_input: { chunks: { tokens: number[] }[] };
};
// Rebuild datums the way a user would: plain arrays, dtype left to inference.
function userData(wire: WireDatum[]) {
  return wire.map((d) =>
    datum({
      model_input: ModelInput.fromInts(d.model_input.chunks[0]?.tokens ?? []),
      loss_fn_inputs: Object.fromEntries(Object.entries(d.loss_fn_inputs).map(([k, v]) => [k, v.data])),
    }),
  );
}

describe("request bodies match the 0.4.1 golden transcripts", () => {
  it("create_session (service_basics:1)", () => {
    expect(encodeCreateSessionRequest({ sdk_version: "0.4.1" })).toEqual(line("service_basics.jsonl", 1));
  });

  it("create_model with null user_metadata and full lora_config (training_loop:2)", () => {
    const body = encodeCreateModelRequest({
      session_id: "sess-1",
      model_seq_id: 0,
      base_model: "Qwen/Qwen3-8B",
      lora_config: { rank: 32 },
    });
    expect(body).toEqual(line("training_loop.jsonl", 2));
  });

  it("forward_backward with cross_entropy and null loss_fn_config (training_loop:5)", () => {
    const golden = line("training_loop.jsonl", 5);
    const fbi = golden.forward_backward_input as { data: WireDatum[] };
    const body = encodeForwardBackwardRequest({
      data: userData(fbi.data),
      loss_fn: "cross_entropy",
      model_id: "model-1",
      seq_id: 1,
    });
    expect(body).toEqual(golden);
  });

  it("forward_backward ppo with loss_fn_config (training_loop:18)", () => {
    const golden = line("training_loop.jsonl", 18);
    const fbi = golden.forward_backward_input as {
      data: WireDatum[];
      loss_fn_config: Record<string, number>;
    };
    const body = encodeForwardBackwardRequest({
      data: userData(fbi.data),
      loss_fn: "ppo",
      loss_fn_config: fbi.loss_fn_config,
      model_id: "model-1",
      seq_id: 7,
    });
    expect(body).toEqual(golden);
  });

  it("forward (every forward record in training_loop and chunking)", () => {
    const recs = [...load("training_loop.jsonl"), ...load("chunking.jsonl")].filter(
      (r) =>
        r.path === "/api/v1/forward" &&
        r.body &&
        Array.isArray((r.body.forward_input as { data: unknown }).data),
    );
    expect(recs.length).toBeGreaterThan(0);
    for (const r of recs) {
      const body = r.body as Record<string, unknown>;
      const fi = body.forward_input as { data: WireDatum[]; loss_fn: LossFnType; loss_fn_config: null };
      const enc = encodeForwardRequest({
        data: userData(fi.data),
        loss_fn: fi.loss_fn,
        loss_fn_config: fi.loss_fn_config,
        model_id: body.model_id as string,
        seq_id: body.seq_id as number,
      });
      expect(enc).toEqual(body);
    }
  });

  it("optim_step sends only the Adam keys that were set (training_loop:6,20)", () => {
    for (const seq of [6, 20]) {
      const golden = line("training_loop.jsonl", seq);
      const body = encodeOptimStepRequest({
        adam_params: { ...(golden.adam_params as AdamParams) },
        model_id: "model-1",
        seq_id: golden.seq_id as number,
      });
      expect(body).toEqual(golden);
    }
    expect(
      encodeOptimStepRequest({ adam_params: { learning_rate: 1e-4 }, model_id: "m", seq_id: 2 }).adam_params,
    ).toEqual({
      learning_rate: 0.0001,
    });
  });

  it("save/load weights and save_weights_for_sampler (futures, training_loop, sampling)", () => {
    expect(encodeSaveWeightsRequest({ model_id: "model-1", path: "exp", seq_id: 5 })).toEqual(
      line("futures.jsonl", findSeq("futures.jsonl", "/api/v1/save_weights")),
    );
    expect(
      encodeLoadWeightsRequest({ model_id: "model-1", path: "tinker://model-1/weights/exp", seq_id: 6 }),
    ).toEqual(line("futures.jsonl", findSeq("futures.jsonl", "/api/v1/load_weights")));
    expect(encodeSaveWeightsForSamplerRequest({ model_id: "model-1", path: "s1", seq_id: 6 })).toEqual(
      line("training_loop.jsonl", 15),
    );
    expect(
      encodeSaveWeightsForSamplerRequest({ model_id: "model-1", sampling_session_seq_id: 2, seq_id: 1 }),
    ).toEqual(line("sampling.jsonl", 19));
  });

  it("create_sampling_session sends both keys, one null (sampling:2, futures)", () => {
    expect(
      encodeCreateSamplingSessionRequest({
        session_id: "sess-1",
        sampling_session_seq_id: 0,
        model_path: "tinker://model-1/sampler_weights/s1",
      }),
    ).toEqual(line("sampling.jsonl", 2));
    expect(
      encodeCreateSamplingSessionRequest({
        session_id: "sess-1",
        sampling_session_seq_id: 0,
        base_model: "Qwen/Qwen3-8B",
      }),
    ).toEqual(line("futures.jsonl", findSeq("futures.jsonl", "/api/v1/create_sampling_session")));
  });

  it("asample bodies keep only the sampling params that were set (all asample records)", () => {
    const recs = [...load("sampling.jsonl"), ...load("futures.jsonl")].filter(
      (r) => r.path === "/api/v1/asample",
    );
    expect(recs.length).toBeGreaterThan(2);
    for (const r of recs) {
      const b = r.body as Record<string, unknown>;
      const prompt = b.prompt as { chunks: { tokens: number[] }[] };
      const enc = encodeSampleRequest({
        num_samples: b.num_samples as number,
        prompt: ModelInput.fromInts(prompt.chunks.flatMap((c) => c.tokens)),
        sampling_params: { ...(b.sampling_params as SamplingParams) },
        sampling_session_id: b.sampling_session_id as string,
        seq_id: b.seq_id as number,
        ...(b.prompt_logprobs ? { prompt_logprobs: true } : {}),
        ...(b.topk_prompt_logprobs ? { topk_prompt_logprobs: b.topk_prompt_logprobs as number } : {}),
      });
      expect(enc).toEqual(b);
    }
  });

  it("small bodies: retrieve_future, get_info, unload_model, heartbeat", () => {
    expect(encodeFutureRetrieveRequest("req-0001")).toEqual(
      line("chunking.jsonl", findSeq("chunking.jsonl", "/api/v1/retrieve_future")),
    );
    expect(encodeGetInfoRequest("model-1")).toEqual(
      line("retries.jsonl", findSeq("retries.jsonl", "/api/v1/get_info")),
    );
    expect(encodeUnloadModelRequest("model-9")).toEqual(
      line("lowlevel.jsonl", findSeq("lowlevel.jsonl", "/api/v1/unload_model")),
    );
    expect(encodeSessionHeartbeatRequest("sess-1")).toEqual(
      line("heartbeat.jsonl", findSeq("heartbeat.jsonl", "/api/v1/session_heartbeat")),
    );
  });
});

function findSeq(name: string, path: string): number {
  const rec = load(name).find((r) => r.path === path && r.body);
  if (!rec) throw new Error(`no ${path} in ${name}`);
  return rec.seq;
}
