/**
 * The 0.25.0 handshake of one holder (golden v0.25 README, facts 1–2): `POST client/config`, then
 * `POST dynamic_config`, both `{"sdk_version"}` and both inside the SDK-level retry loop;
 * `dynamic_config` has no HTTP-layer retry, a 10 s read timeout, and a 404 means "server predates
 * it" (defaults, go on). The session holder fetches it again every `max(refresh_interval_sec, 10)`
 * s in the background, one attempt each time, keeping the last interval on any failure. A
 * generation without a handshake (0.4.1) resolves to the defaults without I/O.
 */
import { APIStatusError } from "../errors/index.js";
import type { Transport } from "../core/transport.js";
import type { Deps } from "../lib/deps.js";
import {
  CLIENT_CONFIG_DEFAULTS,
  type ClientConfigFlags,
  dynamicConfigRefreshSeconds,
  parseClientConfig,
} from "../protocol/client-config.js";
import { httpRetriesFor, type ProtocolGeneration } from "../protocol/generation.js";
import { zstdReady } from "../protocol/zstd.js";
import { jsonBody } from "../types/codec.js";
import type { BillingPause } from "../lib/billing-pause.js";
import { billingOption } from "./billing-pause.js";
import type { HolderAuth } from "./holder-auth.js";
import { executeWithRetries } from "./retry.js";

/** What a holder needs to run its handshake. */
export interface HandshakeDeps {
  transport: Transport;
  generation: ProtocolGeneration;
  deps: Deps;
  /** Sleep of the background refresh loop (unref'd, so it never holds the process). */
  backgroundSleep: Deps["sleep"];
  /** The holder's lifetime: aborting it stops the refresh loop. */
  signal: AbortSignal;
  /** The holder's billing pause (0.25.0: `client/config` waits out a 402). */
  billing?: BillingPause;
  /**
   * The holder's credential (0.25.0): client/config goes with the original one, then `setUp`
   * exchanges a JWT when the server asks for it, before dynamic_config.
   */
  auth?: HolderAuth;
  /** Whether `dynamic_config` is re-fetched in the background (the session holder only). */
  refresh: boolean;
  /** Called once when the handshake has succeeded (e.g. to make the holder's reporter). */
  onReady?: () => void;
}

/** `refresh_interval_sec` the SDK assumes when the server has no `dynamic_config` (404). */
const DEFAULT_REFRESH_INTERVAL_S = 300;

/** One holder's handshake: started on first use, its flags shared by everything the holder sends. */
export class Handshake {
  readonly #d: HandshakeDeps;
  #ready: Promise<ClientConfigFlags> | undefined;
  #loop: Promise<void> | undefined;
  /** The flags in force (the defaults until `client/config` answers). */
  flags: ClientConfigFlags = { ...CLIENT_CONFIG_DEFAULTS };

  constructor(d: HandshakeDeps) {
    this.#d = d;
  }

  /** Runs the handshake once (later calls share it) and resolves to the server's flags. */
  ready(): Promise<ClientConfigFlags> {
    this.#ready ??= this.#run();
    return this.#ready;
  }

  /**
   * Like `ready()`, but undefined when the generation has no handshake, so a caller can go on
   * synchronously (0.4.1's REST calls leave in the same turn as the call).
   */
  pending(): Promise<ClientConfigFlags> | undefined {
    return this.#d.generation.handshake === null ? undefined : this.ready();
  }

  /** The background refresh loop, if one was started (the holder awaits it on close). */
  get loop(): Promise<void> | undefined {
    return this.#loop;
  }

  async #run(): Promise<ClientConfigFlags> {
    const { generation: g, transport, deps, signal } = this.#d;
    const hs = g.handshake;
    if (hs === null) return this.flags;
    const body = jsonBody({ sdk_version: g.sdkVersion });
    const auth = this.#d.auth;
    const config = await executeWithRetries(
      async () =>
        (
          await transport.request({
            method: "POST",
            path: hs.clientConfigPath,
            body,
            pool: "session",
            signal,
            ...(auth ? { headers: { "x-api-key": await auth.configCredential() } } : {}),
          })
        ).body,
      { deps, signal, name: "client_config", billing: billingOption(g, this.#d.billing, "client_config") },
    );
    this.flags = parseClientConfig(config);
    await auth?.setUp(this.flags);
    // zstd bodies are compressed synchronously at encode time: load the wasm module now.
    if (this.flags.proto_compress_fwdbwd && g.codecs.zstdWhenServerAsks) await zstdReady();
    let refreshS: number;
    try {
      refreshS = await executeWithRetries(() => this.#fetchDynamic(), {
        deps,
        signal,
        name: "dynamic_config",
      });
    } catch (error) {
      if (!(error instanceof APIStatusError && error.status === 404)) throw error;
      // The server predates dynamic_config: the SDK's defaults, and the refresh loop still runs.
      refreshS = Math.max(DEFAULT_REFRESH_INTERVAL_S, hs.minRefreshIntervalS);
    }
    if (this.#d.refresh) this.#loop = this.#refreshLoop(refreshS);
    this.#d.onReady?.();
    return this.flags;
  }

  /** One `dynamic_config` request (no HTTP-layer retry, 10 s); the next refresh interval in s. */
  async #fetchDynamic(): Promise<number> {
    const { generation: g, transport, signal } = this.#d;
    const hs = g.handshake!;
    const res = await transport.request({
      method: "POST",
      path: hs.dynamicConfigPath,
      body: jsonBody({ sdk_version: g.sdkVersion }),
      pool: "session",
      holder: this.#d.auth?.holder,
      maxRetries: httpRetriesFor(g, "dynamic_config"),
      timeoutMs: hs.dynamicConfigReadTimeoutS * 1000,
      signal,
    });
    return dynamicConfigRefreshSeconds(res.body, hs.minRefreshIntervalS);
  }

  // Sleeps first (the handshake fetched the first values), then one attempt per interval; a
  // failure keeps the last interval (the SDK logs it at debug level and goes on).
  async #refreshLoop(firstS: number): Promise<void> {
    const { signal, backgroundSleep } = this.#d;
    let waitS = firstS;
    while (!signal.aborted) {
      try {
        await backgroundSleep(waitS * 1000, signal);
      } catch {
        return;
      }
      if (signal.aborted) return;
      try {
        waitS = await this.#fetchDynamic();
      } catch {
        // keep the old interval; the next one tries again
      }
    }
  }
}
