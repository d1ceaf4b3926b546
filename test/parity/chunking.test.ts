/**
 * Parity with golden `chunking`: 128-datum / 500 000-number chunks, consecutive seq ids, combined
 * results. Data are rebuilt (chunking-data.ts) so that the transcript's sha256 values match.
 * Not compared: `batch:hash_unordered`, which is CPython's `hash()` of a tuple (README fact 21);
 * we only check that the key is present with a number. Other metrics compare to 1e-12 relative.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TinkerError } from "../../src/errors/index.js";
import { chunkingBatches, expandChunkingArray } from "./chunking-data.js";
import { compareJson } from "./compare.js";
import { type Json, loadMeta, metaStep } from "./golden.js";
import { expectParity, type Scenario, startScenario } from "./harness.js";
import { newService, plain, plainDatum } from "./sdk.js";

const meta = loadMeta("chunking");

/** Differences between Python's combined ForwardBackwardOutput (meta step) and ours. */
function combinedDiffs(step: number, ours: unknown): string[] {
  const py = metaStep(meta, step).returned as Record<string, Json>;
  const got = plain(ours) as Record<string, unknown>;
  const out: string[] = [];
  compareJson(
    py["loss_fn_output_type"] ?? null,
    got["loss_fn_output_type"],
    `step ${step}.loss_fn_output_type`,
    out,
  );
  compareJson(py["loss_fn_outputs"] ?? null, got["loss_fn_outputs"], `step ${step}.loss_fn_outputs`, out);
  const pm = py["metrics"] as Record<string, number>;
  const om = (got["metrics"] ?? {}) as Record<string, unknown>;
  const keys = (o: object) => Object.keys(o).sort().join(",");
  if (keys(pm) !== keys(om)) out.push(`step ${step}.metrics keys: expected ${keys(pm)}, got ${keys(om)}`);
  for (const [k, v] of Object.entries(pm)) {
    const o = om[k];
    if (typeof o !== "number")
      out.push(`step ${step}.metrics.${k}: expected a number, got ${JSON.stringify(o)}`);
    else if (!k.endsWith(":hash_unordered") && Math.abs(o - v) > 1e-12 * Math.max(1, Math.abs(v))) {
      out.push(`step ${step}.metrics.${k}: expected ${v}, got ${o}`);
    }
  }
  return out;
}

describe("parity: chunking", () => {
  let sc: Scenario;
  beforeEach(async () => {
    sc = await startScenario("chunking", { expandArray: expandChunkingArray });
  });
  afterEach(async () => {
    await sc.dispose();
  });

  it("sends the chunks of chunking.jsonl and combines results like Python", async () => {
    const service = newService(sc);
    const diffs: string[] = [];
    try {
      const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
      const fb = (d: typeof chunkingBatches.step3) =>
        training.forwardBackward(d.map(plainDatum), "cross_entropy");
      diffs.push(...combinedDiffs(4, await fb(chunkingBatches.step3)));
      diffs.push(...combinedDiffs(6, await fb(chunkingBatches.step5)));
      diffs.push(...combinedDiffs(8, await fb(chunkingBatches.step7)));
      diffs.push(
        ...combinedDiffs(10, await training.forward(chunkingBatches.step9.map(plainDatum), "cross_entropy")),
      );
      // Step 12: metric key "loss" without ":" → Python raises ValueError even for one chunk.
      const err = await fb(chunkingBatches.step11).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TinkerError);
    } finally {
      await service.close();
    }
    await expectParity(sc.replay);
    expect(diffs).toEqual([]);
  });
});
