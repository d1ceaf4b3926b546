/**
 * Parity of the 0.25.0 credential sources (golden v0.25 README, fact 18) with the `credentials`
 * scenario: a real `TINKER_CREDENTIAL_CMD` shell script printing tml-CMD1, tml-CMD2, … (one more
 * per run) gives client/config its credential and, with `credential_default_source:
 * "credential_cmd"`, runs again for auth/token; a JWT passed as the key is used as is; with JWT auth
 * off, a command-only setup fails after client/config with a typed error.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuthError } from "../../src/protocol/auth/index.js";
import { TinkerError } from "../../src/errors/index.js";
import type { Json } from "../parity/golden.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("parity v0.25: credentials", () => {
  it("credential command for client/config and every auth/token, a JWT key as is, command-only refused without JWT auth", async () => {
    dir = mkdtempSync(join(tmpdir(), "tinker-cred-"));
    const script = join(dir, "cred.sh");
    writeFileSync(
      script,
      `n=$(cat "${dir}/n" 2>/dev/null || echo 0)\nn=$((n + 1))\necho "$n" > "${dir}/n"\necho "tml-CMD$n"\n`,
    );
    sc = await startScenarioV025(
      "credentials",
      {
        telemetry: true,
        credentials: {
          "<api-key:CMD1>": "tml-CMD1",
          "<api-key:CMD2>": "tml-CMD2",
          "<api-key:CMD3>": "tml-CMD3",
        },
      },
      {},
    );
    const meta = loadMetaV025("credentials");
    const identity = meta.calls.find((c) => c.step === 4)?.returned as Record<string, Json>;
    sc.setEnv({ TINKER_CREDENTIAL_CMD: `sh ${script}`, TINKER_BASE_URL: sc.replay.baseUrl });

    const s1 = sc.service({ envOnly: true });
    const caps = await s1.getServerCapabilities(); // client/config (CMD1), auth/token (CMD2), dynamic_config, GET
    expect(caps.supported_models.length).toBe(3);
    expect(await s1.createRestClient().whoami()).toEqual({
      user_urn: identity.user_urn,
      email: identity.email,
    });
    expect(sc.replay.received.length).toBe(4);

    // A JWT passed as the key: client/config and auth/token go with it, the command is not run.
    const s2 = sc.service({ envOnly: true, apiKey: sc.replay.jwt(2) });
    expect(await s2.createRestClient().whoami()).toEqual({
      user_urn: identity.user_urn,
      email: identity.email,
    });
    expect(sc.replay.received.length).toBe(7);

    const s3 = sc.service({ envOnly: true }); // the server now answers pjwt_auth_enabled: false
    const failure = await s3.getServerCapabilities().then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TinkerError);
    expect(failure).toBeInstanceOf(AuthError);
    expect((failure as AuthError).code).toBe("missing_api_key");
    expect((failure as Error).message).toMatch(/apiKey client option or TINKER_API_KEY/);
    expect(sc.replay.received.length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
