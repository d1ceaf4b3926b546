/** auth/token with expiring JWTs, the JWT-expiry fault, and the SDK-side provider against it (fact 17). */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import {
  apiKeyProvider,
  JwtAuthProvider,
  jwtClaims,
  makeTokenExchange,
  whoamiFromJwt,
} from "../../src/protocol/auth/index.js";
import { FakeClock } from "../support/fake-clock.js";
import { call } from "./helpers.js";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const caps = (e: Emulator, key: string) =>
  call(e, "GET", "/api/v1/get_server_capabilities", undefined, { "x-api-key": key });

describe("auth/token", () => {
  it("mints JWTs with exp = iat + ttl (ttls in order, the last repeating) that authorise requests", async () => {
    let now = 1_767_225_600_000;
    emu = await startEmulator({ now: () => now, v025: { jwtTtlSeconds: [30, 600] } });
    const first = await call(emu, "POST", "/api/v1/auth/token", {});
    expect(first.status).toBe(200);
    const jwt1 = first.body.jwt as string;
    const c1 = jwtClaims(jwt1);
    expect(c1).toMatchObject({ iss: "tinker-emulator", iat: now / 1000, exp: now / 1000 + 30 });
    expect(whoamiFromJwt(jwt1)).toEqual({
      user_urn: "urn:tinker:user:emulator-user",
      email: "emulator@example.invalid",
    });
    expect((await caps(emu, jwt1)).status).toBe(200);

    const jwt2 = (await call(emu, "POST", "/api/v1/auth/token", {}, { "x-api-key": jwt1 })).body
      .jwt as string;
    const jwt3 = (await call(emu, "POST", "/api/v1/auth/token", {})).body.jwt as string;
    expect(jwtClaims(jwt2).exp).toBe(now / 1000 + 600);
    expect(jwtClaims(jwt3).exp).toBe(now / 1000 + 600);

    now += 30_000; // jwt1 has expired
    const expired = await caps(emu, jwt1);
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toMatch(/expired/);
    expect((await caps(emu, jwt2)).status).toBe(200);
  });

  it("JWT-expiry fault: expireAllJwts() revokes every JWT minted so far; new ones work", async () => {
    emu = await startEmulator();
    const jwt = (await call(emu, "POST", "/api/v1/auth/token", {})).body.jwt as string;
    emu.v025.expireAllJwts();
    expect((await caps(emu, jwt)).status).toBe(401);
    const fresh = (await call(emu, "POST", "/api/v1/auth/token", {})).body.jwt as string;
    expect((await caps(emu, fresh)).status).toBe(200);
  });

  it("refuses a JWT it did not mint", async () => {
    emu = await startEmulator();
    const foreign = `${Buffer.from("{}").toString("base64url")}.${Buffer.from(JSON.stringify({ iss: "x", exp: 9e9 })).toString("base64url")}.s`;
    expect((await caps(emu, `eyJ${foreign}`)).status).toBe(401);
  });

  it("the SDK-side JwtAuthProvider exchanges and refreshes against it", async () => {
    const clock = new FakeClock(0);
    emu = await startEmulator({ now: () => clock.nowMs, v025: { jwtTtlSeconds: [400] } });
    const provider = new JwtAuthProvider({
      clock: clock.deps,
      exchange: makeTokenExchange({
        fetch: (url, init) => fetch(url, init),
        baseUrl: emu.url,
        credentials: apiKeyProvider("tml-TESTKEY", {}),
      }),
    });
    const jwt = await provider.init();
    expect((await caps(emu, jwt)).status).toBe(200);
    await clock.advance(100_000); // exp − 300 s: background refresh
    for (let i = 0; i < 50 && provider.token === jwt; i++) await new Promise((r) => setTimeout(r, 5));
    expect(provider.token).not.toBe(jwt);
    expect(emu.v025.minted).toHaveLength(2);
    await provider.close();
  });
});
