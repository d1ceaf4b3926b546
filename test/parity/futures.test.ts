/** Parity with golden `futures`: polling, queue states, failed futures, 410/404/invalid results. */
import { afterEach, describe, expect, it } from "vitest";
import { RequestFailedError, TinkerError } from "../../src/errors/index.js";
import { loadMeta, loadTranscript, metaStep } from "./golden.js";
import { expectParity, returnedDiffs, type Scenario, startScenario } from "./harness.js";
import { ReplayServer } from "./replay-server.js";
import { metaData, metaModelInput, newService, plain } from "./sdk.js";

const meta = loadMeta("futures");
const returned = (step: number) => metaStep(meta, step).returned;

async function failure(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the future to fail");
}

describe("parity: futures", () => {
  let sc: Scenario | undefined;
  afterEach(async () => {
    await sc?.dispose();
    sc = undefined;
  });

  it("sends the requests of futures.jsonl and fails like Python", async () => {
    sc = await startScenario("futures");
    const service = newService(sc);
    const results: Array<[number, unknown]> = [];
    const data = metaData(metaStep(meta, 3));
    const prompt = metaModelInput(metaStep(meta, 18).kwargs?.["prompt"] ?? null);
    try {
      const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
      results.push([4, await training.forwardBackward(data, "cross_entropy")]);
      // Steps 6, 8, 10: {"error","category"} → RequestFailedError; an unknown category is "unknown".
      // One at a time, as Python did: each failure flushes its own telemetry batch.
      for (const [call, category, requestId] of [
        [() => training.optimStep({ learning_rate: 0.0001 }), "user", "req-0003"],
        [() => training.forwardBackward(data, "cross_entropy"), "server", "req-0004"],
        [() => training.forward(data, "cross_entropy"), "unknown", "req-0005"],
      ] as const) {
        const e = await failure(call());
        expect(e).toBeInstanceOf(RequestFailedError);
        expect((e as RequestFailedError).category).toBe(category);
        expect(String((e as Error).message)).toContain(requestId);
      }
      // Step 12: 410 on a training future (Python: RetryableException caused by a 410 APIStatusError).
      const gone = await failure(training.saveState("exp"));
      expect(gone).toBeInstanceOf(TinkerError);
      expect(gone).not.toBeInstanceOf(RequestFailedError);
      // Step 14: 404 on a poll (Python: ValueError caused by NotFoundError), no retry.
      const missing = await failure(training.loadState("tinker://model-1/weights/exp"));
      expect(missing).toBeInstanceOf(TinkerError);
      // Step 16: a result that fails validation (Python: ValueError), no retry.
      const invalid = await failure(training.optimStep({ learning_rate: 0.0001 }));
      expect(invalid).toBeInstanceOf(TinkerError);
      const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
      // Step 19: 410 on a sample future → the whole sample is re-sent with the next seq_id.
      results.push([19, await sampler.sample(prompt, 1, { max_tokens: 4 })]);
      results.push([21, await sampler.sample(prompt, 1, { max_tokens: 4 })]);
    } finally {
      await service.close();
    }
    await expectParity(sc.replay);
    for (const [step, value] of results) {
      expect(returnedDiffs(returned(step), plain(value), `step ${step}`)).toEqual([]);
    }
  });

  // Deliberate deviation (docs/parity.md): when the server answers try_again / 408 / 5xx at once,
  // our poller waits a short, growing delay before the next poll; 0.4.1 re-polls immediately
  // (futures.jsonl:6-15 arrive ~1 ms apart) and spins against a server that does not long-poll.
  it("deviation: the poller waits a short growing delay between instant try_again/408/5xx answers", async () => {
    const lines = loadTranscript("futures").filter((l) => l.seq <= 15);
    sc = await startScenario("futures");
    const replay = await ReplayServer.start({ name: "futures#poll-delay", lines });
    const service = newService(sc, { baseUrl: replay.baseUrl });
    try {
      const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
      const before = sc.clock.sleeps.length;
      const out = await training.forwardBackward(metaData(metaStep(meta, 3)), "cross_entropy");
      expect(returnedDiffs(returned(4), plain(out))).toEqual([]);
      // 9 re-polls after try_again ×3, 408 ×4, try_again, 500: each preceded by a delay.
      const delays = sc.clock.sleeps.slice(before);
      expect(delays.length).toBeGreaterThanOrEqual(9);
      expect(delays.every((d) => d > 0 && d <= 5_000)).toBe(true);
      expect(Math.max(...delays)).toBeGreaterThan(Math.min(...delays));
    } finally {
      await service.close();
      await replay.close();
    }
    expect(replay.report()).toEqual([]);
  });
});
