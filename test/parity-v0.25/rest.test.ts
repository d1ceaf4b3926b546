/**
 * Parity v0.25: `rest` — every RestClient method against the recorded state (fact 22): access_scope
 * and project_id query strings, TTL and project bodies, sessions, sampler, audit log, billing
 * usage, a 404, and the trace export polled 5 s apart until ready. `whoami` sends nothing and is
 * another module's; an invalid tinker path is refused before sending.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NotFoundError, ValidationError } from "../../src/errors/index.js";
import type { Json } from "./golden.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

const meta = loadMetaV025("rest");

/** What Python returned at `step`, without `__type__` and with `null` fields dropped. */
function returned(step: number): unknown {
  const call = meta.calls.find((c) => c.step === step);
  if (!call) throw new Error(`no step ${step}`);
  return normalise(call.returned as Json);
}

/** Drops `__type__` and null-valued keys (pydantic shows defaults the wire leaves out). */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (k !== "__type__" && x !== null) out[k] = normalise(x);
  return out;
}

describe("parity v0.25: rest", () => {
  it("sends the requests of rest.jsonl and returns Python's values", async () => {
    // Line 39 is the session-less holder's telemetry batch after the 404: telemetry is on here.
    sc = await startScenarioV025("rest", { telemetry: true }, {});
    const warnings: string[] = [];
    const quiet = () => {};
    const service = sc.service({
      logger: { debug: quiet, info: quiet, warn: (m) => warnings.push(m), error: quiet },
    });
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", {
      rank: 32,
      userMetadata: { team: "golden" },
    });
    const state = await training.saveState("c1", { ttlSeconds: 3600 });
    expect(state.path).toBe("tinker://sess-1:train:0/weights/c1");
    const sampler = await training.saveWeightsForSampler("s1");
    const sampling = await service.createSamplingClient({ modelPath: sampler.path ?? "" });
    expect(sampling.samplingSessionId).toBe("sess-1:sample:0");

    const rest = service.createRestClient();
    const steps: Array<[number, unknown]> = [];
    steps.push([10, await rest.listTrainingRuns()]);
    steps.push([
      12,
      await rest.listTrainingRuns({ limit: 1, offset: 0, accessScope: "accessible", projectId: "proj-none" }),
    ]);
    steps.push([14, await rest.getTrainingRun("sess-1:train:0")]);
    steps.push([16, await rest.getTrainingRun("sess-1:train:0", { accessScope: "accessible" })]);
    steps.push([18, await rest.getTrainingRunByTinkerPath("tinker://sess-1:train:0/sampler_weights/s1")]);
    steps.push([20, await rest.getWeightsInfoByTinkerPath("tinker://sess-1:train:0/weights/c1")]);
    steps.push([22, await rest.listCheckpoints("sess-1:train:0")]);
    steps.push([24, await rest.setCheckpointTtlFromTinkerPath("tinker://sess-1:train:0/weights/c1", 86400)]);
    steps.push([
      26,
      await rest.setCheckpointTtlFromTinkerPath("tinker://sess-1:train:0/sampler_weights/s1", null),
    ]);
    steps.push([28, await rest.publishCheckpointFromTinkerPath("tinker://sess-1:train:0/weights/c1")]);
    steps.push([30, await rest.listUserCheckpoints()]);
    steps.push([32, await rest.unpublishCheckpointFromTinkerPath("tinker://sess-1:train:0/weights/c1")]);
    steps.push([34, await rest.listUserCheckpoints({ limit: 1, offset: 1 })]);
    const archive = await rest.getCheckpointArchiveUrlFromTinkerPath("tinker://sess-1:train:0/weights/c1");
    const want = returned(36) as { url: string; expires: string };
    expect(archive.url).toBe(want.url);
    expect(Date.parse(archive.expires)).toBe(Date.parse(want.expires));
    steps.push([38, await rest.deleteCheckpointFromTinkerPath("tinker://sess-1:train:0/sampler_weights/s1")]);
    steps.push([40, await rest.listCheckpoints("sess-1:train:0")]);
    steps.push([42, await rest.listSessions()]);
    steps.push([44, await rest.listSessions({ limit: 1, offset: 1, accessScope: "accessible" })]);
    steps.push([46, await rest.getSession("sess-1")]);
    steps.push([48, await rest.getSampler("sess-1:sample:0")]);
    steps.push([50, await rest.assignSessionProject("sess-1", "proj-golden")]);
    steps.push([52, await rest.listTrainingRuns({ projectId: "proj-golden" })]);
    steps.push([54, await rest.getAuditLog()]);
    steps.push([56, await rest.getAuditLog({ eventType: "checkpoints", day: "2025-01-02" })]);
    // Python passed "…+00:00" for the end; it goes on the wire as "…Z" (pydantic datetime JSON).
    steps.push([58, await rest.getBillingUsage("2025-01-02T00:00:00Z", "2025-01-03T00:00:00+00:00")]);
    // Step 59 (whoami) sends nothing and belongs to the JWT module.
    await expect(rest.getTrainingRun("missing-run")).rejects.toBeInstanceOf(NotFoundError);
    await expect(rest.setCheckpointTtlFromTinkerPath("run-1/weights/0001", 5)).rejects.toBeInstanceOf(
      ValidationError,
    );
    const sleepsBefore = sc.clock.sleeps.length;
    const url = await rest.exportSessionTrace("sess-1");
    expect(url).toBe(returned(64));
    expect(sc.clock.sleeps.slice(sleepsBefore)).toContain(5_000);
    expect(warnings).toContain("Building trace export for session: sess-1 (this may take a while)");

    for (const [step, value] of steps) {
      expect(normalise(value ?? null), `step ${step}`).toEqual(returned(step));
    }
    await service.close();
    expect(sc.replay.report()).toEqual([]);
    // close() may send one trailing telemetry batch Python drops (docs/parity.md); it matches no line.
    expect(sc.replay.received.filter((r) => r.line !== undefined).length).toBe(meta.request_count);
  });
});
