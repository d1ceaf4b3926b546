/**
 * ServiceClient: the entry point. Creates the session (POST create_session, started in the
 * constructor like 0.4.1), runs the heartbeat, and creates the other clients, which all share its
 * session holder. Close it with `close()` or `await using`.
 */
import { ValidationError } from "../errors/index.js";
import { pollingFuture } from "../futures/index.js";
import { RESPONSES } from "../types/parse.js";
import { encodeCreateModelRequest } from "../types/requests.js";
import type { CreateModelResponse, GetServerCapabilitiesResponse } from "../types/responses.js";
import {
  callOptionsOf,
  joinSignals,
  notePhase,
  type RequestCallOptions,
  untilAborted,
} from "../core/deadline.js";
import { type FromStateOptions, trainingClientFromState } from "./from-state.js";
import { RestClient } from "./rest-client.js";
import { executeWithRetries } from "./retry.js";
import { SamplingClient, type SamplingClientOptions } from "./sampling-client.js";
import { type ServiceClientOptions, SessionHolder } from "./session-holder.js";
import { TrainingClient } from "./training-client.js";

export type { ServiceClientOptions };

/** Options of `createLoraTrainingClient` (defaults as 0.4.1: rank 32, all three train flags on). */
export interface LoraTrainingOptions {
  rank?: number;
  seed?: number | null;
  trainMlp?: boolean;
  trainAttn?: boolean;
  trainUnembed?: boolean;
  userMetadata?: Record<string, string>;
}

/** Which weights a sampling client samples from. */
export type SamplingSource =
  | { modelPath: string; baseModel?: string }
  | { baseModel: string; modelPath?: string };

const holders = new WeakMap<ServiceClient, SessionHolder>();

/**
 * The session holder behind a ServiceClient, for tests and diagnostics inside the package (the
 * heartbeat counters, the transport). Not exported from the package root. @internal
 */
export function holderOf(service: ServiceClient): SessionHolder {
  const h = holders.get(service);
  if (!h) throw new TypeError("not a ServiceClient");
  return h;
}

/** Entry point of the SDK; owns the session shared by every client it creates. */
export class ServiceClient implements AsyncDisposable {
  readonly #holder: SessionHolder;
  readonly #options: ServiceClientOptions;

  /** Starts creating the session at once (await `sessionId()` to wait for it). */
  constructor(options: ServiceClientOptions = {}) {
    this.#options = options;
    this.#holder = new SessionHolder(options);
    holders.set(this, this.#holder);
  }

  /** The server session id, once create_session has answered (rejects with its error). */
  sessionId(): Promise<string> {
    return this.#holder.sessionId();
  }

  /** Models the server supports (GET get_server_capabilities). */
  getServerCapabilities(options?: RequestCallOptions): Promise<GetServerCapabilitiesResponse> {
    const h = this.#holder;
    return h.call("ServiceClient.getServerCapabilities", options, async (callSignal) => {
      const signal = joinSignals(callSignal, h.operationSignal());
      notePhase(
        h.generation.handshake?.lazyHolders ? "waiting for client/config" : "waiting for create_session",
      );
      await untilAborted(h.restReady(), signal);
      return executeWithRetries(
        async () => {
          const res = await h.transport.request({
            method: "GET",
            path: "/api/v1/get_server_capabilities",
            pool: "train",
            holder: "rest",
            signal,
          });
          return RESPONSES.getServerCapabilities(res.body);
        },
        {
          deps: h.deps,
          telemetry: h.restTelemetry,
          logger: h.logger,
          signal,
          name: "get_server_capabilities",
          billing: h.billingFor("rest", "rest"),
        },
      );
    });
  }

  /** Create a LoRA model (POST create_model, then poll) and its TrainingClient. */
  async createLoraTrainingClient(
    baseModel: string,
    options: LoraTrainingOptions & RequestCallOptions = {},
  ): Promise<TrainingClient> {
    const h = this.#holder;
    const { trainMlp = true, trainAttn = true, trainUnembed = true } = options;
    for (const [name, v] of Object.entries({ trainMlp, trainAttn, trainUnembed })) {
      if (typeof v !== "boolean") throw new ValidationError(name, `expected a boolean, got ${typeof v}`);
    }
    if (!(trainMlp || trainAttn || trainUnembed)) {
      // Named as the caller wrote them (camelCase options), not as the wire's lora_config does.
      throw new ValidationError(
        "trainMlp",
        "at least one of trainMlp, trainAttn or trainUnembed must be true",
      );
    }
    // Allocated before any I/O and consumed even if creation fails (0.4.1).
    const modelSeqId = h.nextModelSeqId();
    return h.call("ServiceClient.createLoraTrainingClient", callOptionsOf(options), async (callSignal) => {
      const signal = joinSignals(callSignal, h.operationSignal());
      notePhase("waiting for create_session");
      const sessionId = await untilAborted(h.sessionId(), signal);
      const body = h.codec.create_model.encode(
        encodeCreateModelRequest({
          session_id: sessionId,
          model_seq_id: modelSeqId,
          base_model: baseModel,
          user_metadata: options.userMetadata ?? null,
          lora_config: {
            rank: options.rank ?? 32,
            seed: options.seed ?? null,
            train_mlp: trainMlp,
            train_attn: trainAttn,
            train_unembed: trainUnembed,
          },
        }),
      );
      // No SDK-level retry around create_model (0.4.1, H13); no queue-state observer either.
      const created: CreateModelResponse = await pollingFuture(
        h.futureContext,
        async () =>
          RESPONSES.untypedFuture(
            (
              await h.transport.request({
                method: "POST",
                path: "/api/v1/create_model",
                body,
                pool: "train",
                signal,
              })
            ).body,
          ),
        { requestType: "CreateModel", parse: RESPONSES.createModel, signal: callSignal },
      );
      return TrainingClient.of(h, modelSeqId, created.model_id);
    });
  }

  /**
   * A TrainingClient on the weights of checkpoint `path` (the optimizer starts afresh). 0.4.1 GETs
   * the run and merges its metadata; 0.25.0 asks `weights_info` (with `weightsAccessToken`, under
   * that key), or creates the model by `load_weights` when the server says so. `baseModel`
   * overrides the checkpoint's (it must be compatible).
   */
  createTrainingClientFromState(path: string, options: FromStateOptions = {}): Promise<TrainingClient> {
    return trainingClientFromState(this.#fromState(), path, false, options);
  }

  /** As `createTrainingClientFromState`, restoring the optimizer state (Adam moments) too. */
  createTrainingClientFromStateWithOptimizer(
    path: string,
    options: FromStateOptions = {},
  ): Promise<TrainingClient> {
    return trainingClientFromState(this.#fromState(), path, true, options);
  }

  #fromState() {
    return {
      holder: this.#holder,
      holderWithKey: (apiKey: string) => new SessionHolder({ ...this.#options, apiKey }),
      createLoraTrainingClient: (base: string, o: LoraTrainingOptions & RequestCallOptions) =>
        this.createLoraTrainingClient(base, o),
      createRestClient: () => this.createRestClient(),
    };
  }

  /**
   * A SamplingClient on saved sampler weights — a `tinker://` path, as a string or `{ modelPath }`
   * (the same shape `TrainingClient.createSamplingClient` takes) — or on `{ baseModel }`.
   */
  createSamplingClient(
    source: string | SamplingSource,
    options: SamplingClientOptions = {},
  ): Promise<SamplingClient> {
    const s = typeof source === "string" ? { modelPath: source } : source;
    return SamplingClient.create(this.#holder, { ...s, retryConfig: options.retryConfig }, options);
  }

  /** A RestClient on this session (sends nothing). */
  createRestClient(): RestClient {
    return RestClient.of(this.#holder);
  }

  /**
   * The telemetry reporter: the session's, else (0.25.0) the session-less REST holder's; null when
   * disabled or before either exists.
   */
  getTelemetry() {
    return this.#holder.telemetry;
  }

  /** Stop the heartbeat, stop polling and close connections. Idempotent. */
  close(): Promise<void> {
    return this.#holder.close();
  }

  /** `await using service = new ServiceClient(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
