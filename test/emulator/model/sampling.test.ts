import { describe, expect, it } from "vitest";
import type { EngineSamplingParams } from "../../../src/emulator/engine.js";
import { createTinyEngine } from "../../../src/emulator/model/index.js";

const eng = createTinyEngine();
const base: EngineSamplingParams = { maxTokens: 12, temperature: 1, topK: -1, topP: 1, seed: 5, stop: [] };
const noLp = { promptLogprobs: false, topkPromptLogprobs: 0 };
const prompt = eng.encode("Hello");

describe("sampling", () => {
  it("greedy is deterministic and equals top_k=1", () => {
    const s = eng.createSampler("m", null);
    const g1 = s.sample(prompt, 1, { ...base, temperature: 0, seed: null }, noLp).sequences[0];
    const g2 = s.sample(prompt, 1, { ...base, temperature: 0, seed: null }, noLp).sequences[0];
    const k1 = s.sample(prompt, 1, { ...base, topK: 1, seed: 99 }, noLp).sequences[0];
    expect(g1.tokens).toEqual(g2.tokens);
    expect(k1.tokens).toEqual(g1.tokens);
    expect(g1.tokens).toHaveLength(12);
    expect(g1.stopReason).toBe("length");
    expect(g1.logprobs).toHaveLength(12);
    expect(g1.logprobs.every((x) => x <= 0)).toBe(true);
  });

  it("same seed reproduces, different seeds differ, num_samples gives that many", () => {
    const s = eng.createSampler("m", null);
    const a = s.sample(prompt, 3, { ...base, maxTokens: 20 }, noLp);
    const b = s.sample(prompt, 3, { ...base, maxTokens: 20 }, noLp);
    const c = s.sample(prompt, 3, { ...base, maxTokens: 20, seed: 6 }, noLp);
    expect(a.sequences).toHaveLength(3);
    expect(a.sequences.map((x) => x.tokens)).toEqual(b.sequences.map((x) => x.tokens));
    expect(a.sequences.map((x) => x.tokens)).not.toEqual(c.sequences.map((x) => x.tokens));
  });

  it("stops on a stop token id or a stop string with stop_reason 'stop'", () => {
    const s = eng.createSampler("m", null);
    const free = s.sample(prompt, 1, { ...base, temperature: 0 }, noLp).sequences[0];
    const target = free.tokens[3];
    const byId = s.sample(prompt, 1, { ...base, temperature: 0, stop: [target] }, noLp).sequences[0];
    expect(byId.stopReason).toBe("stop");
    expect(byId.tokens).toEqual(free.tokens.slice(0, free.tokens.indexOf(target) + 1));
    const text = eng.decode(free.tokens.slice(2, 4));
    const byStr = s.sample(prompt, 1, { ...base, temperature: 0, stop: [text] }, noLp).sequences[0];
    expect(byStr.stopReason).toBe("stop");
    expect(eng.decode(byStr.tokens).endsWith(text)).toBe(true);
    expect(byStr.tokens.length).toBeLessThanOrEqual(4);
  });

  it("returns prompt logprobs with a leading null and top-k prompt logprobs", () => {
    const s = eng.createSampler("m", null);
    const out = s.sample(
      prompt,
      1,
      { ...base, maxTokens: 1 },
      { promptLogprobs: true, topkPromptLogprobs: 3 },
    );
    expect(out.promptLogprobs).toHaveLength(prompt.length);
    expect(out.promptLogprobs?.[0]).toBeNull();
    expect(out.promptLogprobs?.slice(1).every((x) => typeof x === "number" && x < 0)).toBe(true);
    const tk = out.topkPromptLogprobs;
    expect(tk).toHaveLength(prompt.length);
    expect(tk?.[0]).toBeNull();
    const row = tk?.[1] ?? [];
    expect(row).toHaveLength(3);
    expect(row[0][1]).toBeGreaterThanOrEqual(row[1][1]);
  });

  it("a snapshot does not change when training continues, and sampler weights reload", () => {
    const m = eng.createModel("m", { rank: 4, seed: 1, trainAttn: true, trainMlp: true, trainUnembed: true });
    const toks = eng.encode("zzzzzzzz");
    const datum = {
      tokens: toks.slice(0, -1),
      lossFnInputs: {
        target_tokens: { data: toks.slice(1), dtype: "int64" as const, shape: [toks.length - 1] },
      },
    };
    const snap = m.snapshotSampler();
    const before = snap.sample(prompt, 1, { ...base, temperature: 0 }, noLp).sequences[0].tokens;
    for (let i = 0; i < 30; i++) {
      m.forwardBackward([datum], "cross_entropy", null);
      m.optimStep({ learningRate: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    }
    expect(snap.sample(prompt, 1, { ...base, temperature: 0 }, noLp).sequences[0].tokens).toEqual(before);
    const trained = eng.createSampler("m", m.saveSamplerWeights());
    const after = trained.sample(eng.encode("zz"), 1, { ...base, temperature: 0 }, noLp).sequences[0].tokens;
    expect(after).toEqual(
      m.snapshotSampler().sample(eng.encode("zz"), 1, { ...base, temperature: 0 }, noLp).sequences[0].tokens,
    );
    expect(eng.decode(after)).toContain("zzz");
  });

  it("encode/decode is byte-level UTF-8", () => {
    expect(eng.encode("é")).toEqual([195, 169]);
    expect(eng.decode([104, 105, 256, 257])).toBe("hi");
  });
});
