/**
 * The 0.25.0 handshake of one holder (golden v0.25 README, facts 1–2): `POST client/config`, then
 * `POST dynamic_config`, both `{"sdk_version"}` and both inside the SDK-level retry loop;
 * `dynamic_config` has no HTTP-layer retry, a 10 s read timeout, and a 404 means "server predates
 * it" (defaults, go on). It is fetched again every `max(refresh_interval_sec, 10)` s in the
 * background. A generation without a handshake (0.4.1) resolves to the defaults without I/O.
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
import type { ProtocolGeneration } from "../protocol/generation.js";
import { zstdReady } from "../protocol/zstd.js";
import { jsonBody } from "../types/codec.js";
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
}

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
    const config = await executeWithRetries(
      async () =>
        (
          await transport.request({
            method: "POST",
            path: hs.clientConfigPath,
            body,
            pool: "session",
            signal,
          })
        ).body,
      { deps, signal, name: "client_config" },
    );
    this.flags = parseClientConfig(config);
    // zstd bodies are compressed synchronously at encode time: load the wasm module now.
    if (this.flags.proto_compress_fwdbwd && g.codecs.zstdWhenServerAsks) await zstdReady();
    const refreshS = await this.#fetchDynamic();
    if (refreshS !== null) this.#loop = this.#refreshLoop(refreshS);
    return this.flags;
  }

  /** One `dynamic_config` fetch; the refresh interval in seconds, or null when the server has none. */
  async #fetchDynamic(): Promise<number | null> {
    const { generation: g, transport, deps, signal } = this.#d;
    const hs = g.handshake;
    if (hs === null) return null;
    const body = jsonBody({ sdk_version: g.sdkVersion });
    try {
      const answer = await executeWithRetries(
        async () =>
          (
            await transport.request({
              method: "POST",
              path: hs.dynamicConfigPath,
              body,
              pool: "session",
              maxRetries: g.retry.requests.dynamic_config.httpMaxRetries,
              timeoutMs: hs.dynamicConfigReadTimeoutS * 1000,
              signal,
            })
          ).body,
        { deps, signal, name: "dynamic_config" },
      );
      return dynamicConfigRefreshSeconds(answer, hs.minRefreshIntervalS);
    } catch (error) {
      if (error instanceof APIStatusError && error.status === 404) return null;
      throw error;
    }
  }

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
        waitS = (await this.#fetchDynamic()) ?? waitS;
      } catch {
        // A failed refresh keeps the old interval; the next one tries again.
      }
    }
  }
}
