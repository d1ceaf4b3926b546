/**
 * An expired or revoked JWT is refused with 401 before the request body is read — as a missing
 * API key is — so a client holding a stale credential cannot make the emulator buffer a body.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { call } from "./helpers.js";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

describe("JWT refusal", () => {
  it("a revoked JWT gets 401 and its body is never read (the log holds none)", async () => {
    emu = await startEmulator({ v025: { clientConfig: { pjwt_auth_enabled: true } } });
    const token = await call(emu, "POST", "/api/v1/auth/token", {});
    expect(token.status).toBe(200);
    const jwt = token.body.jwt as string;
    const ok = await call(
      emu,
      "POST",
      "/api/v1/client/dynamic_config",
      { sdk_version: "0.25.0" },
      {
        "x-api-key": jwt,
      },
    );
    expect(ok.status).toBe(200);
    emu.v025.expireAllJwts();
    const refused = await call(
      emu,
      "POST",
      "/api/v1/create_session",
      { tags: ["x".repeat(10_000)] },
      {
        "x-api-key": jwt,
      },
    );
    expect(refused.status).toBe(401);
    const entry = emu.log.entries.at(-1);
    expect(entry?.path).toBe("/api/v1/create_session");
    expect(entry?.status).toBe(401);
    expect(entry?.body).toBeUndefined();
    expect(String(entry?.credential)).toMatch(/^jwt:/);
  });
});
