/** Parity with golden `rest`: every RestClient method, a 404, an invalid path, from-state creation. */
import { afterEach, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, ValidationError } from "../../src/errors/index.js";
import { loadMeta, loadTranscript, metaStep } from "./golden.js";
import { expectParity, returnedDiffs, type Scenario, startScenario } from "./harness.js";
import { ReplayServer } from "./replay-server.js";
import { newService, plain } from "./sdk.js";

const meta = loadMeta("rest");
const returned = (step: number) => metaStep(meta, step).returned;
const EXPIRES = Date.UTC(2026, 0, 1, 0, 15, 0);

/** The archive result's expiry as epoch ms, whether we return a Date or an ISO string. */
function expiresMs(v: unknown): number {
  return v instanceof Date ? v.getTime() : Date.parse(String(v).endsWith("Z") ? String(v) : `${v}Z`);
}

describe("parity: rest", () => {
  let sc: Scenario | undefined;
  afterEach(async () => {
    await sc?.dispose();
    sc = undefined;
  });

  it("sends the requests of rest.jsonl and returns Python's values", async () => {
    sc = await startScenario("rest");
    const service = newService(sc);
    const results: Array<[number, unknown]> = [];
    try {
      const rest = service.createRestClient();
      results.push([4, await rest.listTrainingRuns()]);
      results.push([6, await rest.listTrainingRuns({ limit: 2, offset: 1 })]);
      results.push([8, await rest.getTrainingRun("run-1")]);
      results.push([10, await rest.getTrainingRunByTinkerPath("tinker://run-2/weights/0001")]);
      results.push([12, await rest.listCheckpoints("run-1")]);
      results.push([14, await rest.listUserCheckpoints()]);
      results.push([16, await rest.listUserCheckpoints({ limit: 1, offset: 1 })]);
      // Steps 17-20. Deliberate deviation (docs/parity.md): the archive call returns the URL;
      // 0.4.1 raises TypeError on the 302 success (the recorder patched that to get this transcript).
      const a1 = await rest.getCheckpointArchiveUrl("run-1", "weights/0001");
      const a2 = await rest.getCheckpointArchiveUrlFromTinkerPath("tinker://run-1/sampler_weights/0001");
      for (const [step, a] of [
        [18, a1],
        [20, a2],
      ] as const) {
        expect(a.url).toBe((returned(step) as { url: string }).url);
        expect(expiresMs(a.expires)).toBe(EXPIRES);
      }
      results.push([22, await rest.publishCheckpointFromTinkerPath("tinker://run-1/weights/0001")]);
      results.push([24, await rest.unpublishCheckpointFromTinkerPath("tinker://run-1/weights/0001")]);
      results.push([26, await rest.deleteCheckpoint("run-1", "weights/0001")]);
      results.push([28, await rest.deleteCheckpointFromTinkerPath("tinker://run-1/sampler_weights/0001")]);
      await expect(rest.getTrainingRun("missing-run")).rejects.toBeInstanceOf(NotFoundError);
      // Step 31: an invalid tinker path is refused before sending (Python: ValueError).
      await expect(rest.getTrainingRunByTinkerPath("run-1/weights/0001")).rejects.toBeInstanceOf(
        ValidationError,
      );
      const training = await service.createTrainingClientFromState("tinker://run-3/weights/0001");
      expect(training.modelId).toBe("model-1");
    } finally {
      await service.close();
    }
    await expectParity(sc.replay);
    for (const [step, value] of results) {
      expect(returnedDiffs(returned(step), plain(value) ?? null, `step ${step}`)).toEqual([]);
    }
  });

  // Deliberate deviation (docs/parity.md): a 409 on publish/unpublish fails at once with
  // ConflictError. 0.4.1 retries 409 like any retryable status (~5 minutes with execute_with_retries).
  it.each([
    [11, "publishCheckpointFromTinkerPath"],
    [12, "unpublishCheckpointFromTinkerPath"],
  ] as const)("deviation: 409 on line %i (%s) fails at once with ConflictError", async (seq, method) => {
    const transcript = loadTranscript("rest");
    const base = transcript.find((l) => l.seq === seq);
    const session = transcript.find((l) => l.seq === 1);
    if (!base || !session) throw new Error("fixture line missing");
    const conflict = { ...base, response: { status: 409, headers: {}, body: { detail: "already public" } } };
    // The ServiceClient creates its session on construction (as 0.4.1), so line 1 is replayed too;
    // telemetry is off so the fatal-error flush does not reach this replay.
    sc = await startScenario("rest", {}, { TINKER_TELEMETRY: "0" });
    const replay = await ReplayServer.start({ name: `rest#409-${seq}`, lines: [session, conflict] });
    const service = newService(sc, { baseUrl: replay.baseUrl });
    try {
      const rest = service.createRestClient();
      await expect(rest[method]("tinker://run-1/weights/0001")).rejects.toBeInstanceOf(ConflictError);
    } finally {
      await service.close();
      await replay.close();
    }
    // create_session, then exactly one request: no HTTP-layer and no SDK-layer retry.
    expect(replay.exchanges.map((e) => e.line?.seq)).toEqual([1, seq]);
    expect(replay.report()).toEqual([]);
  });
});
