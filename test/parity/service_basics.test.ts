/** Parity with golden `service_basics`: session creation, capabilities, env configuration. */
import { afterEach, describe, expect, it } from "vitest";
import { loadMeta, loadTranscript, metaStep } from "./golden.js";
import { expectParity, returnedDiffs, type Scenario, startScenario, TEST_KEY } from "./harness.js";
import { ReplayServer } from "./replay-server.js";
import { newService, plain, sessionIdOf } from "./sdk.js";

const meta = loadMeta("service_basics");
// Lines 4-5 come from the client configured only by TINKER_API_KEY=tml-ENVKEY.
const apiKey = (seq: number) => (seq >= 4 ? "tml-ENVKEY" : TEST_KEY);

describe("parity: service_basics", () => {
  let sc: Scenario | undefined;
  afterEach(async () => {
    await sc?.dispose();
    sc = undefined;
  });

  it("sends the requests of service_basics.jsonl and returns Python's values", async () => {
    sc = await startScenario("service_basics", { apiKey });
    const s1 = newService(sc);
    let s2: ReturnType<typeof newService> | undefined;
    let s3: ReturnType<typeof newService> | undefined;
    try {
      expect(await sessionIdOf(s1)).toBe("sess-1");
      const caps = await s1.getServerCapabilities();
      expect(returnedDiffs(metaStep(meta, 2).returned, plain(caps))).toEqual([]);
      s1.createRestClient(); // step 3: sends nothing
      // Step 4: TINKER_TAGS is read when the session is created.
      process.env["TINKER_TAGS"] = "golden";
      s2 = newService(sc, { userMetadata: { team: "golden", purpose: "wire-capture" } });
      expect(await sessionIdOf(s2)).toBe("sess-2");
      delete process.env["TINKER_TAGS"];
      // Steps 5-6: a client configured only by the environment.
      Object.assign(process.env, {
        TINKER_API_KEY: "tml-ENVKEY",
        TINKER_BASE_URL: sc.replay.baseUrl,
        CLOUDFLARE_ACCESS_CLIENT_ID: "cf-client-id",
        CLOUDFLARE_ACCESS_CLIENT_SECRET: "cf-client-secret",
      });
      s3 = newService(sc, { envOnly: true });
      expect(await sessionIdOf(s3)).toBe("sess-3");
      const caps3 = await s3.getServerCapabilities();
      expect(returnedDiffs(metaStep(meta, 6).returned, plain(caps3))).toEqual([]);
    } finally {
      await Promise.all([s1.close(), s2?.close(), s3?.close()]);
    }
    await expectParity(sc.replay);
  });

  // Deliberate deviation (docs/parity.md): an explicit `apiKey` option beats TINKER_API_KEY.
  // 0.4.1 lets the environment win (AsyncTinker reads the env var over the kwarg).
  it("deviation: an explicit apiKey beats TINKER_API_KEY", async () => {
    const line1 = loadTranscript("service_basics").filter((l) => l.seq === 1);
    const replay = await ReplayServer.start(
      { name: "service_basics#apikey", lines: line1 },
      { apiKey: TEST_KEY },
    );
    sc = await startScenario("service_basics", {}, { TINKER_API_KEY: "tml-ENVKEY" });
    const service = newService(sc, { baseUrl: replay.baseUrl });
    try {
      expect(await sessionIdOf(service)).toBe("sess-1");
    } finally {
      await service.close();
      await replay.close();
    }
    expect(replay.exchanges.map((e) => e.req.headers["x-api-key"])).toEqual([[TEST_KEY]]);
    expect(replay.report()).toEqual([]);
  });
});
