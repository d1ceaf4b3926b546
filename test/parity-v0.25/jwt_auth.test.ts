/**
 * Parity of the 0.25.0 JWT auth (golden v0.25 README, fact 17) with the `jwt_auth` scenario: the
 * REST holder exchanges the API key at auth/token and sends the JWT from then on (dynamic_config
 * included), whoami reads its claims, the background refresh runs at exp − 300 s (fake clock), the
 * session holder does its own exchange, and a JWT with ≤ 60 s left is refreshed before a request.
 */
import { afterEach, describe, expect, it } from "vitest";
import { holderOf } from "../../src/clients/service-client.js";
import { metaDatum } from "../parity/sdk.js";
import type { Json } from "../parity/golden.js";
import { loadMetaV025, type MetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

const returned = (meta: MetaV025, step: number) =>
  meta.calls.find((c) => c.step === step)?.returned as Record<string, Json>;

/** Waits (event-loop turns, no timing) until the replay has received `n` requests. */
async function receivedCount(run: ScenarioV025Run, n: number): Promise<void> {
  for (let i = 0; i < 500 && run.replay.received.length < n; i++) {
    await new Promise((r) => setTimeout(r, 2));
  }
  expect(run.replay.received.length).toBe(n);
}

describe("parity v0.25: jwt_auth", () => {
  it("exchange per holder, JWT on every request, whoami, background refresh at exp − 300 s, on-demand refresh at ≤ 60 s", async () => {
    // JWT #1 lives 302 s (background refresh after 2 s); #4 lives 30 s (on-demand refresh).
    // Sleeps over 1 s wait for clock.advance, so the 2 s refresh goes out only when the test says.
    sc = await startScenarioV025(
      "jwt_auth",
      { telemetry: true, autoAdvanceLimitMs: 1000, jwtTtls: [302, 3600, 3600, 30] },
      {},
    );
    const meta = loadMetaV025("jwt_auth");
    const s1 = sc.service();
    const rest = s1.createRestClient();
    expect(sc.replay.received).toEqual([]);

    const me = await rest.whoami();
    const want = returned(meta, 3);
    expect(me).toEqual({ user_urn: want.user_urn, email: want.email });
    expect(sc.replay.received.length).toBe(3); // client/config, auth/token, dynamic_config: whoami sends nothing

    const runs = await rest.listTrainingRuns({ limit: 2 });
    expect(runs.training_runs.map((r) => r.training_run_id)).toEqual(
      (returned(meta, 5).training_runs as Array<{ training_run_id: string }>).map((r) => r.training_run_id),
    );
    expect(sc.replay.received.length).toBe(4);

    await sc.clock.advance(2_000); // exp − 300 s of JWT #1
    await receivedCount(sc, 5);
    // ...and the holder has read the answer (the next request goes with JWT #2, as recorded).
    const restAuth = holderOf(s1).restAuth;
    for (let i = 0; i < 500 && restAuth.credential() !== sc.replay.jwt(2); i++) {
      await new Promise((r) => setTimeout(r, 2));
    }
    const run = await rest.getTrainingRun("run-1"); // with JWT #2
    expect(run.training_run_id).toBe(returned(meta, 7).training_run_id);

    const training = await s1.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    expect(training.modelId).toBe(returned(meta, 8).model_id);
    const data = ((meta.calls.find((c) => c.step === 9)?.kwargs?.data ?? []) as Json[]).map((d) =>
      metaDatum(d),
    );
    expect(data.length).toBe(2);
    const out = await training.forwardBackward(data, "cross_entropy");
    expect(out.loss_fn_output_type).toBe(returned(meta, 10).loss_fn_output_type);

    const s2 = sc.service();
    const caps = await s2.getServerCapabilities();
    expect(caps.supported_models.map((m) => m.model_name)).toEqual(
      (returned(meta, 12).supported_models as Array<{ model_name: string }>).map((m) => m.model_name),
    );
    expect(sc.replay.received.length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
