/**
 * A 0.25.0 ServiceClient with JWT auth against the in-process emulator (facts 17, 19): a whole
 * training loop (forward_backward, optim_step, save for sampler, sample) on exchanged JWTs, the
 * background refresh at exp − 300 s on the fake clock, and the JWT-expiry fault. On a 401 the
 * Python SDK 0.25.0 neither retries nor re-exchanges (401 is not retryable; its on-demand refresh
 * only looks at `exp`), so the call fails with AuthenticationError, and the holder goes on with the
 * JWT its next refresh brings.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ServiceClient } from "../../src/clients/index.js";
import { HolderAuth } from "../../src/clients/holder-auth.js";
import { holderOf } from "../../src/clients/service-client.js";
import { createLogger } from "../../src/core/logger.js";
import { whoamiFromJwt } from "../../src/protocol/auth/index.js";
import { CLIENT_CONFIG_DEFAULTS } from "../../src/protocol/client-config.js";
import { GENERATION_0_25_0 } from "../../src/protocol/generation.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { EMULATOR_USER } from "../../src/emulator/v0_25/jwt-issuer.js";
import { AuthenticationError } from "../../src/errors/index.js";
import { ModelInput } from "../../src/types/model-input.js";
import { tinyDatum } from "../clients/fake-api.js";
import { FakeClock } from "../support/fake-clock.js";
import { KEY } from "./helpers.js";

let emu: Emulator | undefined;
let service: ServiceClient | undefined;
afterEach(async () => {
  await service?.close();
  await emu?.close();
  service = emu = undefined;
});

/** The kind of credential each logged request carried (`api-key` or `jwt:<jti>`), by path. */
const keysOf = (e: Emulator, path: string) =>
  e.log.entries.filter((x) => x.path === path).map((x) => x.credential);
/** How the log names the n-th minted JWT. */
const jwtN = (n: number) => `jwt:jwt-${n}`;

/** Event-loop turns (no timing) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}

async function trainStep(training: Awaited<ReturnType<ServiceClient["createLoraTrainingClient"]>>) {
  const fb = await training.forwardBackward([tinyDatum(3)], "cross_entropy");
  await training.optimStep({ learning_rate: 1e-4 });
  return fb;
}

describe("0.25.0 client with JWT auth on the emulator", () => {
  it("trains and samples on exchanged JWTs, refreshes at exp − 300 s, and fails a call on a revoked JWT as 0.25.0 does", async () => {
    const clock = new FakeClock();
    emu = await startEmulator({
      now: clock.deps.now,
      v025: { clientConfig: { pjwt_auth_enabled: true }, jwtTtlSeconds: [400, 3600] },
    });
    service = new ServiceClient({
      protocol: "0.25.0",
      apiKey: KEY,
      baseUrl: emu.url,
      telemetry: false,
      deps: clock.deps,
      info: () => {},
      warn: () => {},
    });
    const rest = service.createRestClient();
    expect(await rest.whoami()).toEqual({ user_urn: EMULATOR_USER.sub, email: EMULATOR_USER.email });

    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 8 });
    expect(emu.v025.minted.length).toBe(2); // one exchange per holder
    const [restJwt, sessionJwt] = [jwtN(1), jwtN(2)];
    expect(keysOf(emu, "/api/v1/auth/token")).toEqual(["api-key", "api-key"]);
    expect(keysOf(emu, "/api/v1/client/config")).toEqual(["api-key", "api-key"]);
    expect(keysOf(emu, "/api/v1/client/dynamic_config")).toEqual([restJwt, sessionJwt]);

    const first = await trainStep(training);
    expect(first.loss_fn_outputs.length).toBe(1);
    const sampler = await training.saveWeightsAndGetSamplingClient();
    const sampled = await sampler.sample(ModelInput.fromInts([1, 2, 3]), 1, { max_tokens: 2 });
    expect(sampled.sequences.length).toBe(1);
    for (const path of ["/api/v1/forward_backward", "/api/v1/optim_step", "/api/v1/asample"]) {
      expect(new Set(keysOf(emu, path))).toEqual(new Set([sessionJwt]));
    }

    // The REST holder's first JWT lives 400 s: refreshed in the background 300 s before exp.
    await clock.advance(100_000);
    const restAuth = holderOf(service).restAuth;
    await until(() => restAuth.credential() === emu!.v025.minted[2]); // the answer has been read
    const refreshed = jwtN(3);
    await rest.listTrainingRuns({ limit: 1 });
    expect(keysOf(emu, "/api/v1/training_runs").at(-1)).toBe(refreshed);

    // JWT-expiry fault: the server revokes every JWT. The next call gets 401, not retried.
    emu.v025.expireAllJwts();
    const before = emu.log.entries.length;
    await expect(training.forwardBackward([tinyDatum(3)], "cross_entropy")).rejects.toBeInstanceOf(
      AuthenticationError,
    );
    expect(emu.log.entries.length - before).toBe(1);
    expect(emu.v025.minted.length).toBe(3); // no re-exchange on 401

    // The session holder's JWT (#2, 3600 s from t = 0) is refreshed at exp − 300 s = 3300 s (the
    // REST holder's #3, minted at 100 s, not yet); then training goes on with JWT #4.
    await clock.advance(3_200_000);
    const sessionAuth = holderOf(service).sessionAuth;
    await until(() => sessionAuth.credential() === emu!.v025.minted[3]);
    expect(emu.v025.minted.length).toBe(4);
    const again = await trainStep(training);
    expect(again.loss_fn_outputs.length).toBe(1);
    expect(keysOf(emu, "/api/v1/forward_backward").at(-1)).toBe(jwtN(4));
  });

  it("schedules the background refresh at exp − 300 s on the holder's clock, and refreshes on demand at ≤ 60 s", async () => {
    const clock = new FakeClock();
    emu = await startEmulator({
      now: clock.deps.now,
      v025: { clientConfig: { pjwt_auth_enabled: true }, jwtTtlSeconds: [400, 3600] },
    });
    service = client(emu, clock);
    await service.getServerCapabilities();
    expect(clock.pendingDelays()).toContain(100_000); // 400 s − 300 s
    // Past the background refresh's moment but without waking it: 50 s left at the next request.
    clock.nowMs += 350_000;
    await service.getServerCapabilities();
    expect(emu.v025.minted.length).toBe(2);
    expect(keysOf(emu, "/api/v1/get_server_capabilities")).toEqual([jwtN(1), jwtN(2)]);
  });

  it("JWT auth off: the API key on every request, and whoami refuses (no JWT, a tml- key)", async () => {
    emu = await startEmulator();
    service = client(emu, new FakeClock());
    await expect(service.createRestClient().whoami()).rejects.toMatchObject({
      name: "AuthError",
      code: "jwt_auth_disabled",
    });
    await service.getServerCapabilities();
    expect(emu.v025.minted).toEqual([]);
    expect(new Set(emu.log.entries.map((e) => e.credential))).toEqual(new Set(["api-key"]));
  });

  it("JWT auth off: a Tinker-issued JWT given as the key is whoami's identity, sent as is", async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const claims = { sub: "urn:tinker:user:p", email: "", iss: "passport-x" };
    const passport = `${b64({ alg: "none" })}.${b64(claims)}.s`;
    const clock = new FakeClock();
    const auth = new HolderAuth({
      transport: undefined as never, // JWT auth off: nothing is exchanged
      generation: GENERATION_0_25_0,
      deps: { ...clock.deps },
      backgroundSleep: clock.deps.sleep,
      signal: new AbortController().signal,
      holder: "rest",
      apiKey: passport,
      env: {},
      logger: createLogger(undefined, "error", {}),
    });
    await auth.setUp({ ...CLIENT_CONFIG_DEFAULTS, pjwt_auth_enabled: false });
    expect(auth.credential()).toBe(passport);
    expect(await auth.identityJwt()).toBe(passport);
    expect(whoamiFromJwt(passport)).toEqual({ user_urn: "urn:tinker:user:p", email: null });
  });

  it("createTrainingClientFromState asks weights_info as a RestClient does: on the REST holder's JWT", async () => {
    const clock = new FakeClock();
    emu = await startEmulator({ now: clock.deps.now, v025: { clientConfig: { pjwt_auth_enabled: true } } });
    service = client(emu, clock);
    await service.createRestClient().listTrainingRuns({ limit: 1 }); // the REST holder first: jwt-1
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 8 });
    const { path } = await training.saveState("from-state");
    const resumed = await service.createTrainingClientFromState(path);
    expect(resumed.modelId).not.toBe(training.modelId);
    expect(keysOf(emu, "/api/v1/training_runs")).toEqual([jwtN(1)]);
    expect(keysOf(emu, "/api/v1/weights_info")).toEqual([jwtN(1)]);
  });

  it("a credential command may stand in for the key with 0.25.0, not with 0.4.1", () => {
    const env = { TINKER_CREDENTIAL_CMD: "true", TINKER_TELEMETRY: "0" };
    service = new ServiceClient({ protocol: "0.25.0", baseUrl: "http://127.0.0.1:9", env });
    expect(() => new ServiceClient({ protocol: "0.4.1", baseUrl: "http://127.0.0.1:9", env })).toThrow(
      expect.objectContaining({ code: "TINKER_MISSING_API_KEY" }),
    );
  });
});

function clientOptions(e: Emulator, clock: FakeClock) {
  return {
    protocol: "0.25.0" as const,
    apiKey: KEY,
    baseUrl: e.url,
    telemetry: false,
    deps: clock.deps,
    info: () => {},
    warn: () => {},
  };
}

function client(e: Emulator, clock: FakeClock): ServiceClient {
  return new ServiceClient(clientOptions(e, clock));
}
