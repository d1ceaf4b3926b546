/**
 * The low-level client: the API's resources one request each, as the Python SDK's `AsyncTinker`
 * offers them to advanced users (golden v0.25 `lowlevel`). Thin over the transport: no session, no
 * handshake, no SDK-level retries and no polling — the HTTP layer's retries, headers and timeouts
 * only. Bodies are encoded by the protocol generation's codec; per-call options come last.
 */
import { type ClientOptions, resolveConfig } from "../../core/config.js";
import { type RequestCallOptions, withCallOptions } from "../../core/deadline.js";
import { type PoolName, Transport } from "../../core/transport.js";
import { BadResponseError } from "../../errors/index.js";
import { type Deps, resolveDeps } from "../../lib/deps.js";
import { type ClientConfigFlags, parseClientConfig } from "../../protocol/client-config.js";
import { codecsFor } from "../../protocol/codecs.js";
import { type ProtocolGeneration, type ProtocolName, resolveGeneration } from "../../protocol/generation.js";
import { jsonBody, type WireBody, type WireCodec } from "../../types/codec.js";
import { RESPONSES } from "../../types/parse.js";
import { encodeFutureRetrieveRequest, encodeUnloadModelRequest } from "../../types/requests.js";
import type { UntypedAPIFuture } from "../../types/responses.js";
import type {
  AuthTokenResponse,
  ClientDynamicConfig,
  FutureRetrieveResponse,
  HealthResponse,
} from "./types.js";

export type {
  AuthTokenResponse,
  ClientDynamicConfig,
  FutureRetrieveResponse,
  HealthResponse,
  UnloadModelResponse,
} from "./types.js";

/** Options of {@link LowLevelClient}: connection settings and the protocol generation spoken. */
export interface LowLevelClientOptions extends ClientOptions {
  /** The generation whose bodies and headers are sent (default `TINKER_PROTOCOL`, else "0.4.1"). */
  protocol?: ProtocolName;
  /** The environment read for TINKER_* settings (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clock, sleep and randomness (tests pass a fake clock). @internal */
  deps?: Partial<Deps>;
}

const CLIENT_CONFIG_PATH = "/api/v1/client/config";
const DYNAMIC_CONFIG_PATH = "/api/v1/client/dynamic_config";

/** What the resources share: one transport, the codec, and how one call is run. */
class Core {
  readonly transport: Transport;
  readonly codec: WireCodec;
  readonly generation: ProtocolGeneration;
  readonly deps: Deps;

  constructor(options: LowLevelClientOptions) {
    const env = options.env ?? process.env;
    this.generation = resolveGeneration(options.protocol, env);
    this.deps = resolveDeps(options.deps);
    this.transport = new Transport(resolveConfig(options, env), this.deps, this.generation.sdkVersion);
    this.codec = codecsFor(this.generation, () => false).codec;
  }

  /** One request under the call's options; resolves to the answer's body. */
  send(
    name: string,
    req: { method: "GET" | "POST"; path: string; body?: WireBody; pool: PoolName },
    options: RequestCallOptions | undefined,
  ): Promise<unknown> {
    return withCallOptions(name, options, undefined, this.deps, async (signal) => {
      return (await this.transport.request({ ...req, signal })).body;
    });
  }
}

/** An object answer, or BadResponseError naming what was expected. */
function objectOf<T>(body: unknown, what: string): T {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new BadResponseError(`${what}: expected a JSON object`, { body });
  }
  return body as T;
}

/** `models.*`: model lifecycle requests that have no higher-level method. */
export class LowLevelModels {
  readonly #core: Core;

  /** @internal */
  constructor(core: Core) {
    this.#core = core;
  }

  /**
   * `POST /api/v1/unload_model`: asks the server to unload a model. Answers an untyped future
   * (`request_id`); its result (`UnloadModelResponse`) is fetched with `futures.retrieve`.
   */
  async unload(modelId: string, options?: RequestCallOptions): Promise<UntypedAPIFuture> {
    const body = this.#core.codec.unload_model.encode(encodeUnloadModelRequest(modelId));
    const answer = await this.#core.send(
      "LowLevelClient.models.unload",
      { method: "POST", path: "/api/v1/unload_model", body, pool: "train" },
      options,
    );
    return RESPONSES.untypedFuture(answer);
  }
}

/** `futures.*`: one poll of a future, without the SDK's polling loop. */
export class LowLevelFutures {
  readonly #core: Core;

  /** @internal */
  constructor(core: Core) {
    this.#core = core;
  }

  /**
   * `POST /api/v1/retrieve_future` once: `try_again`, a failure (`error`, `category`), or the
   * request's result. An HTTP error status (e.g. 408 while queued, 410 expired) rejects as the
   * matching `APIStatusError`. The 0.25.0 body sends `allow_metadata_only: false`.
   */
  async retrieve(requestId: string, options?: RequestCallOptions): Promise<FutureRetrieveResponse> {
    const body = this.#core.codec.retrieve_future.encode(encodeFutureRetrieveRequest(requestId));
    const answer = await this.#core.send(
      "LowLevelClient.futures.retrieve",
      { method: "POST", path: "/api/v1/retrieve_future", body, pool: "retrieve_promise" },
      options,
    );
    return objectOf<FutureRetrieveResponse>(answer, "FutureRetrieveResponse");
  }
}

/**
 * The API's resources one request each (the Python SDK's `AsyncTinker`), for advanced use: service
 * configuration, health, the JWT exchange, `models.unload` and single future polls. Most code wants
 * `ServiceClient` instead. Close it with `close()` or `await using`.
 *
 * ```ts
 * await using api = new LowLevelClient({ apiKey, protocol: "0.25.0" });
 * const { status } = await api.healthCheck();
 * const future = await api.models.unload("sess-9:train:0");
 * const answer = await api.futures.retrieve(future.request_id);
 * ```
 */
export class LowLevelClient implements AsyncDisposable {
  /** Model lifecycle (`unload`). */
  readonly models: LowLevelModels;
  /** Single polls of futures (`retrieve`). */
  readonly futures: LowLevelFutures;
  readonly #core: Core;

  /** Sends nothing; each method is one request. */
  constructor(options: LowLevelClientOptions = {}) {
    this.#core = new Core(options);
    this.models = new LowLevelModels(this.#core);
    this.futures = new LowLevelFutures(this.#core);
  }

  /** `POST /api/v1/client/config {"sdk_version"}`: the server's feature flags (missing ones defaulted). */
  async clientConfig(options?: RequestCallOptions): Promise<ClientConfigFlags> {
    const c = this.#core;
    const path = c.generation.handshake?.clientConfigPath ?? CLIENT_CONFIG_PATH;
    const body = jsonBody({ sdk_version: c.generation.sdkVersion });
    const answer = await c.send(
      "LowLevelClient.clientConfig",
      { method: "POST", path, body, pool: "session" },
      options,
    );
    return parseClientConfig(objectOf(answer, "ClientConfigResponse"));
  }

  /** `POST /api/v1/client/dynamic_config {"sdk_version"}`: the flags re-fetched in the background. */
  async clientDynamicConfig(options?: RequestCallOptions): Promise<ClientDynamicConfig> {
    const c = this.#core;
    const path = c.generation.handshake?.dynamicConfigPath ?? DYNAMIC_CONFIG_PATH;
    const body = jsonBody({ sdk_version: c.generation.sdkVersion });
    const answer = objectOf<Record<string, unknown>>(
      await c.send(
        "LowLevelClient.clientDynamicConfig",
        { method: "POST", path, body, pool: "session" },
        options,
      ),
      "ClientDynamicConfigResponse",
    );
    const v = answer["refresh_interval_sec"];
    return { ...answer, refresh_interval_sec: typeof v === "number" && Number.isFinite(v) ? v : 300 };
  }

  /** `GET /api/v1/healthz`: `{ status: "ok" }` while the service is up. */
  async healthCheck(options?: RequestCallOptions): Promise<HealthResponse> {
    const answer = objectOf<HealthResponse>(
      await this.#core.send(
        "LowLevelClient.healthCheck",
        { method: "GET", path: "/api/v1/healthz", pool: "session" },
        options,
      ),
      "HealthResponse",
    );
    if (answer.status !== "ok")
      throw new BadResponseError('HealthResponse: status is not "ok"', { body: answer });
    return answer;
  }

  /** `POST /api/v1/auth/token {}`: exchanges the configured credential for a JWT. */
  async authToken(options?: RequestCallOptions): Promise<AuthTokenResponse> {
    const answer = objectOf<AuthTokenResponse>(
      await this.#core.send(
        "LowLevelClient.authToken",
        {
          method: "POST",
          path: this.#core.generation.auth.tokenPath ?? "/api/v1/auth/token",
          body: jsonBody({}),
          pool: "session",
        },
        options,
      ),
      "AuthTokenResponse",
    );
    if (typeof answer.jwt !== "string")
      throw new BadResponseError("AuthTokenResponse: no jwt", { body: answer });
    return answer;
  }

  /** Closes the connection pools. Idempotent. */
  close(): Promise<void> {
    return this.#core.transport.close();
  }

  /** `await using api = new LowLevelClient(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
