/**
 * Set-up of the 0.25.0 parity tests: a clean SDK environment, the replay server and a fake clock,
 * and a ServiceClient speaking protocol "0.25.0" against it.
 */
import { ServiceClient, type ServiceClientOptions } from "../../src/clients/index.js";
import { FakeClock } from "../support/fake-clock.js";
import type { ScenarioV025 } from "./golden.js";
import { type ReplayV025Options, ReplayServerV025 } from "./replay-server.js";

/** The API key of the golden scenarios. */
export const TEST_KEY = "tml-TESTKEY";

const SDK_ENV = [
  "TINKER_API_KEY",
  "TINKER_BASE_URL",
  "TINKER_TAGS",
  "TINKER_TELEMETRY",
  "TINKER_PROTOCOL",
  "TINKER_PROJECT_ID",
  "TINKER_CREDENTIAL_CMD",
  "CLOUDFLARE_ACCESS_CLIENT_ID",
  "CLOUDFLARE_ACCESS_CLIENT_SECRET",
];

/** A running 0.25.0 scenario. */
export interface ScenarioV025Run {
  replay: ReplayServerV025;
  clock: FakeClock;
  /** A ServiceClient (protocol 0.25.0, fake clock, test key, replay URL unless overridden). */
  service(o?: ServiceClientOptions & { envOnly?: boolean }): ServiceClient;
  /** Sets environment variables for the rest of the scenario (restored by dispose). */
  setEnv(env: Record<string, string>): void;
  dispose(): Promise<void>;
}

/** Starts the replay of `name` with a clean SDK environment (telemetry off unless `env` says). */
export async function startScenarioV025(
  name: ScenarioV025,
  opts: ReplayV025Options & {
    /** Sleeps up to this long complete by themselves (FakeClock; default 5 s). */
    autoAdvanceLimitMs?: number;
    /** Lifetimes of the JWTs `<jwt#1>`, `<jwt#2>`, … the replay mints (default 3600 s each). */
    jwtTtls?: readonly number[];
  } = {},
  env: Record<string, string> = { TINKER_TELEMETRY: "0" },
): Promise<ScenarioV025Run> {
  const saved = new Map<string, string | undefined>();
  const setEnv = (e: Record<string, string>) => {
    for (const k of Object.keys(e)) if (!saved.has(k)) saved.set(k, process.env[k]);
    Object.assign(process.env, e);
  };
  for (const k of SDK_ENV) {
    saved.set(k, process.env[k]);
    delete process.env[k];
  }
  setEnv(env);
  const { autoAdvanceLimitMs, jwtTtls, ...replayOpts } = opts;
  const clock = new FakeClock(autoAdvanceLimitMs);
  const replay = await ReplayServerV025.start(name, {
    credentials: { "<api-key>": TEST_KEY },
    jwt: { now: clock.deps.now, ...(jwtTtls ? { ttls: jwtTtls } : {}) },
    ...replayOpts,
  });
  const clients: ServiceClient[] = [];
  return {
    replay,
    clock,
    setEnv,
    service(o = {}) {
      const { envOnly, ...rest } = o;
      const base = envOnly ? {} : { apiKey: TEST_KEY, baseUrl: replay.baseUrl };
      const s = new ServiceClient({
        protocol: "0.25.0",
        ...base,
        ...rest,
        deps: clock.deps,
        info: () => {},
        warn: () => {},
      });
      clients.push(s);
      return s;
    },
    async dispose() {
      await Promise.all(clients.map((c) => c.close()));
      await replay.close();
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
