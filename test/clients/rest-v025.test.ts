/**
 * The RestClient methods of SDK 0.25.0 against the emulator, in both protocol generations: the
 * state they read and change, what each generation puts in the query string, bad input refused
 * before anything is sent, and the trace export's bounded wait on a fake clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rfc3339 } from "../../src/clients/rest-requests.js";
import { waitForTraceExport } from "../../src/clients/rest-trace.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { APITimeoutError, NotFoundError, TinkerError, ValidationError } from "../../src/errors/index.js";
import { type ProtocolName, ServiceClient } from "../../src/index.js";
import { FakeClock } from "../support/fake-clock.js";

const KEY = "tml-rest-v025";

describe.each(["0.25.0", "0.4.1"] as ProtocolName[])(
  "RestClient (protocol %s) against the emulator",
  (protocol) => {
    let emulator: Emulator;
    let service: ServiceClient;
    let clock: FakeClock;
    let modelId: string;
    let sessionId: string;
    let statePath: string;
    let samplerPath: string;
    let samplerId: string;
    const warnings: string[] = [];
    const quiet = () => {};

    beforeAll(async () => {
      emulator = await startEmulator({ apiKey: KEY, seed: 0 });
      clock = new FakeClock();
      service = new ServiceClient({
        apiKey: KEY,
        baseUrl: emulator.url,
        protocol,
        telemetry: false,
        projectId: "proj-start",
        deps: { ...clock.deps, now: () => Date.now() },
        logger: { debug: quiet, info: quiet, warn: (m) => warnings.push(m), error: quiet },
      });
      const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 4 });
      modelId = training.modelId;
      sessionId = await service.sessionId();
      statePath = (await training.saveState("c1")).path;
      samplerPath = (await training.saveWeightsForSampler("s1")).path ?? "";
      samplerId = (await service.createSamplingClient({ modelPath: samplerPath })).samplingSessionId;
    });
    afterAll(async () => {
      await service?.close();
      await emulator?.close();
    });

    const lastQuery = (path: string) =>
      [...emulator.log.entries].reverse().find((e) => e.path === path)?.query;

    it("lists runs with access_scope only in 0.25.0, and by project (ServiceClient projectId, then assigned)", async () => {
      const rest = service.createRestClient();
      const page = await rest.listTrainingRuns();
      expect(page.training_runs.map((r) => r.training_run_id)).toContain(modelId);
      expect(lastQuery("/api/v1/training_runs")).toBe(
        protocol === "0.25.0" ? "limit=20&offset=0&access_scope=owned" : "limit=20&offset=0",
      );
      // The session was created with the ServiceClient's projectId (create_session carries it).
      const started = await rest.listTrainingRuns({ projectId: "proj-start" });
      expect(started.training_runs.map((r) => r.training_run_id)).toEqual([modelId]);
      await rest.assignSessionProject(sessionId, "proj-moved");
      const moved = await rest.listTrainingRuns({ projectId: "proj-moved", accessScope: "accessible" });
      expect(moved.training_runs.map((r) => r.training_run_id)).toEqual([modelId]);
      expect(lastQuery("/api/v1/training_runs")).toBe(
        "limit=20&offset=0&access_scope=accessible&project_id=proj-moved",
      );
      expect((await rest.getTrainingRun(modelId, { accessScope: "accessible" })).training_run_id).toBe(
        modelId,
      );
    });

    it("weights info, TTL set and removed, sessions and sampler", async () => {
      const rest = service.createRestClient();
      expect(await rest.getWeightsInfoByTinkerPath(statePath)).toMatchObject({
        base_model: "Qwen/Qwen3-8B",
        is_lora: true,
        lora_rank: 4,
      });
      await rest.setCheckpointTtlFromTinkerPath(statePath, 3600);
      const withTtl = (await rest.listCheckpoints(modelId)).checkpoints.find(
        (c) => c.tinker_path === statePath,
      );
      expect(Date.parse(withTtl?.expires_at ?? "")).toBeGreaterThan(Date.now());
      await rest.setCheckpointTtlFromTinkerPath(statePath, null);
      const cleared = (await rest.listCheckpoints(modelId)).checkpoints.find(
        (c) => c.tinker_path === statePath,
      );
      expect(cleared?.expires_at).toBeNull();
      expect((await rest.listSessions()).sessions).toContain(sessionId);
      expect(await rest.getSession(sessionId)).toEqual({
        training_run_ids: [modelId],
        sampler_ids: [samplerId],
      });
      expect(await rest.getSampler(samplerId)).toMatchObject({
        sampler_id: samplerId,
        model_path: samplerPath,
      });
      await expect(rest.getSession("missing-session")).rejects.toBeInstanceOf(NotFoundError);
    });

    it("audit log of today and billing usage of the current hour", async () => {
      const rest = service.createRestClient();
      const audit = await rest.getAuditLog({ day: new Date() });
      expect(audit.entries.map((e) => e.tinker_path)).toEqual(
        expect.arrayContaining([statePath, samplerPath]),
      );
      const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
      const usage = await rest.getBillingUsage(new Date(hour), new Date(hour + 3_600_000));
      expect(usage.data.find((e) => e.event_info.type === "checkpoint")?.session_id).toBe(sessionId);
      expect(Object.keys(usage.sessions)).toContain(sessionId);
      // The service's window rules are the server's to enforce: a 14-day+ window is a 400.
      await expect(
        rest.getBillingUsage(new Date(hour - 20 * 86_400_000), new Date(hour)),
      ).rejects.toMatchObject({
        status: 400,
      });
    });

    it("exports a session trace: pending, a visible 5 s wait on the clock, then the URL", async () => {
      const rest = service.createRestClient();
      const before = clock.sleeps.length;
      const url = await rest.exportSessionTrace(sessionId);
      expect(clock.sleeps.slice(before)).toEqual([5_000]);
      expect(warnings).toContain(`Building trace export for session: ${sessionId} (this may take a while)`);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    });

    it("deletes several checkpoints, reporting each failure", async () => {
      const rest = service.createRestClient();
      const missing = `tinker://${modelId}/weights/never-saved`;
      const results = await rest.deleteCheckpointsFromTinkerPaths([samplerPath, missing]);
      expect(results[0]).toEqual({ tinker_path: samplerPath });
      expect(results[1]?.error).toBeInstanceOf(NotFoundError);
      const left = (await rest.listCheckpoints(modelId)).checkpoints.map((c) => c.tinker_path);
      expect(left).toEqual([statePath]);
    });

    it("refuses bad input before sending anything", async () => {
      const rest = service.createRestClient();
      const sent = emulator.log.entries.length;
      const refused: Array<() => Promise<unknown>> = [
        () => rest.setCheckpointTtlFromTinkerPath(statePath, 0),
        () => rest.setCheckpointTtlFromTinkerPath(statePath, 1.5),
        () => rest.setCheckpointTtlFromTinkerPath("run-1/weights/c1", 5),
        () => rest.getBillingUsage("yesterday", "2025-01-03T00:00:00Z"),
        () => rest.getBillingUsage(new Date(Number.NaN), "2025-01-03T00:00:00Z"),
        () => rest.getAuditLog({ day: "2025-1-2" }),
        () => rest.getAuditLog({ eventType: "models" as "all" }),
        () => rest.listSessions({ accessScope: "everyone" as "owned" }),
        () => rest.listTrainingRuns({ limit: -1 }),
        () => rest.assignSessionProject(sessionId, ""),
        () => rest.getSession(".."),
        () => rest.exportSessionTrace(sessionId, { pollIntervalMs: -1 }),
        () => rest.deleteCheckpointsFromTinkerPaths([statePath, "not-a-path"]),
      ];
      for (const call of refused) await expect(call()).rejects.toBeInstanceOf(ValidationError);
      expect(emulator.log.entries.length).toBe(sent);
    });
  },
);

describe("trace export wait and billing datetimes (pure)", () => {
  const deps = (clock: FakeClock) => ({ now: clock.deps.now, sleep: clock.deps.sleep });

  it("gives up with APITimeoutError once maxWaitMs would pass, and rejects a failed export", async () => {
    const clock = new FakeClock();
    let polls = 0;
    const pending = async () => {
      polls++;
      return { status: "pending" as const, url: null, error: null };
    };
    const wait = waitForTraceExport("s", pending, deps(clock), () => {}, { maxWaitMs: 12_000 }, undefined);
    await expect(wait).rejects.toBeInstanceOf(APITimeoutError);
    expect([polls, clock.sleeps]).toEqual([3, [5_000, 5_000]]);
    const failed = async () => ({ status: "failed" as const, url: null, error: "disk full" });
    await expect(waitForTraceExport("s", failed, deps(clock), () => {}, {}, undefined)).rejects.toThrow(
      new TinkerError("Trace export failed for session s: disk full"),
    );
  });

  it("writes bounds as pydantic does: seconds, Z for UTC, other offsets kept", () => {
    expect(rfc3339("2025-01-03T00:00:00+00:00", "x")).toBe("2025-01-03T00:00:00Z");
    expect(rfc3339("2025-01-03T00:00Z", "x")).toBe("2025-01-03T00:00:00Z");
    expect(rfc3339("2025-01-03T02:00:00+02:00", "x")).toBe("2025-01-03T02:00:00+02:00");
    expect(rfc3339(new Date(Date.UTC(2025, 0, 3)), "x")).toBe("2025-01-03T00:00:00Z");
    expect(() => rfc3339("2025-02-30T00:00:00Z", "x")).not.toThrow(); // the server judges calendar days
    expect(() => rfc3339("2025-01-03", "x")).toThrow(ValidationError);
  });
});
