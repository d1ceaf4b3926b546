/** Auth of 0.25.0: JWT claims, credential sources, the token exchange and the refresh timing. */
import { describe, expect, it } from "vitest";
import {
  apiKeyProvider,
  AuthError,
  credentialCommandProvider,
  isJwtCredential,
  JwtAuthProvider,
  jwtClaims,
  jwtExpiryMs,
  makeTokenExchange,
  resolveCredentialProvider,
  runShellCommand,
  shellCommandRunner,
  TokenExchangeError,
  whoamiFromJwt,
} from "../../src/protocol/auth/index.js";
import { FakeClock } from "../support/fake-clock.js";

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
/** A JWT shaped like the golden server's: alg none, claims, signature "golden". */
function mintJwt(iatS: number, ttlS: number, extra: Record<string, unknown> = {}): string {
  const claims = {
    sub: "urn:tinker:user:golden-user",
    email: "golden@example.invalid",
    iat: iatS,
    exp: iatS + ttlS,
    ...extra,
  };
  return `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.golden`;
}

describe("JWT claims and whoami", () => {
  it("decodes claims, exp in ms, and whoami (empty email → null)", () => {
    const jwt = mintJwt(1000, 3600);
    expect(jwtClaims(jwt).sub).toBe("urn:tinker:user:golden-user");
    expect(jwtExpiryMs(jwt)).toBe(4_600_000);
    expect(isJwtCredential(jwt)).toBe(true);
    expect(whoamiFromJwt(jwt)).toEqual({
      user_urn: "urn:tinker:user:golden-user",
      email: "golden@example.invalid",
    });
    expect(whoamiFromJwt(mintJwt(0, 1, { email: "" })).email).toBeNull();
  });

  it("refuses what is not a JWT", () => {
    expect(() => jwtClaims("tml-abc")).toThrow(AuthError);
    expect(() => jwtExpiryMs(`${b64url({})}.${b64url({ sub: "x" })}.s`)).toThrow(/expiry/);
  });
});

describe("credential sources (fact 18)", () => {
  it("api key: option, then TINKER_API_KEY; tml-/eyJ prefixes only", async () => {
    expect(await apiKeyProvider("tml-A", { TINKER_API_KEY: "tml-B" }).getCredential()).toBe("tml-A");
    expect(await apiKeyProvider(undefined, { TINKER_API_KEY: "tml-B" }).getCredential()).toBe("tml-B");
    expect(() => apiKeyProvider(undefined, {})).toThrow(/api_key client option must be set/);
    expect(() => apiKeyProvider("sk-1", {})).toThrow(/'tml-'/);
  });

  it("the command runs on every call (CMD1, CMD2, …), output trimmed; empty output refused", async () => {
    let n = 0;
    const p = credentialCommandProvider("print-cred", async (cmd) => {
      expect(cmd).toBe("print-cred");
      n++;
      return `tml-CMD${n}\n`;
    });
    expect([await p.getCredential(), await p.getCredential()]).toEqual(["tml-CMD1", "tml-CMD2"]);
    await expect(credentialCommandProvider("x", async () => "  \n").getCredential()).rejects.toThrow(
      /empty credential/,
    );
    expect(() => credentialCommandProvider("", async () => "")).toThrow(/TINKER_CREDENTIAL_CMD/);
  });

  it("resolve: a JWT key is used as is even when the command is enforced; else command when enforced; else key, then command", async () => {
    const run = async () => "tml-FROMCMD";
    const env = { TINKER_CREDENTIAL_CMD: "cmd" };
    const jwt = mintJwt(0, 10);
    expect(
      await resolveCredentialProvider({ apiKey: jwt, env, enforceCommand: true, run }).getCredential(),
    ).toBe(jwt);
    expect(
      await resolveCredentialProvider({ apiKey: "tml-K", env, enforceCommand: true, run }).getCredential(),
    ).toBe("tml-FROMCMD");
    expect(await resolveCredentialProvider({ apiKey: "tml-K", env, run }).getCredential()).toBe("tml-K");
    expect((await resolveCredentialProvider({ env, run })).kind).toBe("credential_cmd");
    expect(() => resolveCredentialProvider({ env: {}, run })).toThrow(/api_key client option/);
  });

  it("a command that outlives its timeout is killed, and the error names no output", async () => {
    await expect(shellCommandRunner(50)("echo tml-SECRET; sleep 5")).rejects.toThrow(
      /^TINKER_CREDENTIAL_CMD failed: the command timed out after 50 ms$/,
    );
  });

  it("a background child holding stdout does not hold the credential back, and is ended", async () => {
    const marker = `tinker-cred-${process.pid}-${Date.now()}`;
    const out = await shellCommandRunner(10_000)(`(sleep 30; echo ${marker}) & echo tml-FAST`);
    expect(out.trim()).toBe("tml-FAST");
  });

  it("the default runner runs a real shell command", async () => {
    expect((await runShellCommand("printf 'tml-SHELL\\n'")).trim()).toBe("tml-SHELL");
    await expect(runShellCommand("echo tml-SECRET; exit 3")).rejects.toThrow(
      /^TINKER_CREDENTIAL_CMD failed: the command exited with code 3$/,
    );
  });
});

describe("token exchange (fact 17)", () => {
  it("POSTs {} to /api/v1/auth/token with the credential last in X-API-Key", async () => {
    const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
    const exchange = makeTokenExchange({
      baseUrl: "http://127.0.0.1:1/",
      credentials: apiKeyProvider("tml-KEY", {}),
      headers: () => ({ "X-API-Key": "overridden", "User-Agent": "t" }),
      fetch: async (url, init) => {
        calls.push({ url, headers: init.headers, body: init.body });
        return { status: 200, json: async () => ({ jwt: "eyJ.x.y" }) };
      },
    });
    expect(await exchange()).toBe("eyJ.x.y");
    expect(calls).toEqual([
      {
        url: "http://127.0.0.1:1/api/v1/auth/token",
        headers: { "User-Agent": "t", "Content-Type": "application/json", "X-API-Key": "tml-KEY" },
        body: "{}",
      },
    ]);
    expect(Object.keys(calls[0]?.headers ?? {}).at(-1)).toBe("X-API-Key");
  });

  it("a non-2xx answer or a body without jwt is a TokenExchangeError with the status", async () => {
    const failing = (status: number, body: unknown) =>
      makeTokenExchange({
        baseUrl: "http://h",
        credentials: apiKeyProvider("tml-K", {}),
        fetch: async () => ({ status, json: async () => body }),
      });
    await expect(failing(401, {})()).rejects.toMatchObject({ status: 401, code: "token_exchange" });
    await expect(failing(200, { nope: 1 })()).rejects.toBeInstanceOf(TokenExchangeError);
  });
});

describe("JwtAuthProvider timing (fact 17)", () => {
  const setup = (ttlS = 3600, seedTtlS?: number) => {
    const clock = new FakeClock(0); // no auto-advance: only advance() moves time
    const seedToken =
      seedTtlS === undefined ? undefined : mintJwt(Math.floor(clock.nowMs / 1000), seedTtlS, { jti: 0 });
    const minted: string[] = [];
    const errors: string[] = [];
    let fail = false;
    const provider = new JwtAuthProvider({
      clock: clock.deps,
      seedToken,
      onRefreshError: (_e, where) => errors.push(where),
      exchange: async () => {
        if (fail) throw new Error("down");
        const jwt = mintJwt(Math.floor(clock.nowMs / 1000), ttlS, { jti: minted.length + 1 });
        minted.push(jwt);
        return jwt;
      },
    });
    return { clock, minted, errors, provider, seedToken, setFail: (v: boolean) => (fail = v) };
  };

  it("exchanges at init, refreshes in the background at exp − 300 s, and again after that", async () => {
    const { clock, minted, provider } = setup();
    await provider.init();
    expect(minted).toHaveLength(1);
    expect(clock.pendingDelays()).toEqual([3_300_000]);
    await clock.advance(3_299_999);
    expect(minted).toHaveLength(1);
    await clock.advance(1);
    expect(minted).toHaveLength(2);
    expect(await provider.getToken()).toBe(minted[1]);
    expect(clock.pendingDelays()).toEqual([3_300_000]);
    await provider.close();
  });

  it("a request with ≤ 60 s left exchanges first; with more it uses the held token", async () => {
    // TTL 330 s: the background refresh would fire at 30 s; the request comes at 271 s (59 s left).
    const { clock, minted, provider } = setup(330);
    await provider.close(); // no background loop in this test
    expect(await provider.getToken()).toBe(minted[0]);
    clock.nowMs += 269_000; // 61 s left
    expect(await provider.getToken()).toBe(minted[0]);
    clock.nowMs += 2_000; // 59 s left
    expect(await provider.getToken()).toBe(minted[1]);
    expect(minted).toHaveLength(2);
  });

  it("concurrent on-demand refreshes share one exchange", async () => {
    const { minted, provider } = setup();
    const [a, b] = await Promise.all([provider.getToken(), provider.getToken()]);
    expect(a).toBe(b);
    expect(minted).toHaveLength(1);
  });

  it("a seeded provider does not exchange at init; a failed refresh keeps the old token and retries after 60 s", async () => {
    // The seed has 400 s left: its background refresh is due at 100 s.
    const { clock, minted, errors, provider, setFail, seedToken: seed } = setup(3600, 400);
    await provider.init();
    expect(minted).toHaveLength(0);
    setFail(true);
    await clock.advance(100_000);
    expect(errors).toEqual(["background"]);
    expect(clock.pendingDelays()).toEqual([60_000]);
    expect(await provider.getToken()).toBe(seed); // 300 s left: no on-demand refresh
    clock.nowMs += 300_000; // 0 s left: on-demand refresh fails too → old token, reported
    expect(await provider.getToken()).toBe(seed);
    expect(errors).toEqual(["background", "on-demand"]);
    setFail(false);
    await clock.advance(60_000);
    expect(provider.token).toBe(minted[minted.length - 1]);
    await provider.close();
  });
});
