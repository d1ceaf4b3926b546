/**
 * TrainingClient: one LoRA model on the server. Ordered calls (forward, forwardBackward, optimStep,
 * saveState, loadState, saveWeightsForSampler) reserve their 0.4.1 `seq_id`s when called and are
 * submitted strictly in call order (see SubmitSequencer); results are polled concurrently.
 */
import { chunkPolicyFromFlags, httpRetriesFor, requestPath } from "../protocol/generation.js";
import { APIUserAbortError, ValidationError } from "../errors/index.js";
import {
  type APIFuture,
  combinedFuture,
  createQueueStateWarner,
  futureFromPromise,
  pollingFuture,
  type QueueStateObserver,
} from "../futures/index.js";
import { combineForwardBackwardOutputs } from "../lib/metrics.js";
import type { Tokenizer } from "../tokenizer/index.js";
import type { RequestEncoder, RequestMessages } from "../types/codec.js";
import type { Datum } from "../types/datum.js";
import type { LossFnType } from "../types/enums.js";
import { type AdamParams, encodeAdamParams } from "../types/params.js";
import { RESPONSES } from "../types/parse.js";
import { encodeForwardBackwardInput, type LossFnConfig, type LossFnConfigFor } from "../types/requests.js";
import type {
  ForwardBackwardOutput,
  GetInfoResponse,
  LoadWeightsResponse,
  OptimStepResponse,
  SavedSamplerWeights,
  SaveWeightsResponse,
  UntypedAPIFuture,
} from "../types/responses.js";
import { joinSignals, type RequestCallOptions } from "../core/deadline.js";
import { executeWithRetries } from "./retry.js";
import { dispatchChunks } from "./chunk-dispatch.js";
import { planForwardChunks, splitLossArgs } from "./forward-args.js";
import { SamplingClient, type SamplingClientOptions } from "./sampling-client.js";
import { SubmitSequencer } from "./sequencer.js";
import { splitTokenizerOptions, TokenizerCache, type TokenizerOptions } from "./tokenizer-cache.js";
import type { SessionHolder } from "./session-holder.js";
import { type CustomLossFn, forwardBackwardCustom } from "./training-custom.js";
import { getInfo, getTrainingTokenizer } from "./training-info.js";
import {
  type CallState,
  OPERATIONS,
  type OrderedKind,
  type ResultOf,
  type TrainingOps,
} from "./training-ops.js";
import {
  type LoadStateOptions,
  loadState,
  type SaveStateOptions,
  type SaveWeightsForSamplerOptions,
  saveState,
  saveWeightsAndGetSamplingClient,
  saveWeightsForSampler,
} from "./training-state.js";

/**
 * Per-call options of every TrainingClient method (`signal`, `headers`, `maxRetries`, `timeout`;
 * see RequestCallOptions). A signal aborts this call only (before or during submit, or while
 * polling); later calls proceed.
 */
export type CallOptions = RequestCallOptions;

/** Options of `forward` / `forwardBackward`: the per-call options and, optionally, the loss config. */
export interface ForwardOptions<L extends LossFnType = LossFnType> extends RequestCallOptions {
  lossFnConfig?: LossFnConfigFor<L> | null;
  /**
   * Skip tinker-ts's own checks of the loss inputs (required inputs, one value per token); the
   * Python SDKs make none and the server still checks. For inputs a newer server accepts.
   */
  skipInputChecks?: boolean;
}

export type { CustomLossFn, CustomLossResult } from "./training-custom.js";

/** Client for one trained model. Get one from `ServiceClient.createLoraTrainingClient()`. */
export class TrainingClient {
  /** Server model id, e.g. "model-1". */
  readonly modelId: string;
  /** 0.4.1 `model_seq_id` this client was created with. */
  readonly modelSeqId: number;
  readonly #holder: SessionHolder;
  readonly #seq = new SubmitSequencer();
  readonly #onQueueState: QueueStateObserver;
  readonly #tokenizers = new TokenizerCache();
  /** What the state and info modules see of this client. */
  readonly #ops: TrainingOps;

  /**
   * The client of model `modelId` on `holder` (package-internal; users get one from
   * `ServiceClient.createLoraTrainingClient()` or `createTrainingClientFromState()`). @internal
   */
  static of(holder: SessionHolder, modelSeqId: number, modelId: string): TrainingClient {
    return new TrainingClient(holder, modelSeqId, modelId);
  }

  // Private, so the published types offer no constructor: `new TrainingClient()` does not compile.
  private constructor(holder: SessionHolder, modelSeqId: number, modelId: string) {
    this.#holder = holder;
    this.modelSeqId = modelSeqId;
    this.modelId = modelId;
    holder.announce({ client: "TrainingClient", modelId });
    this.#onQueueState = createQueueStateWarner({
      kind: "training",
      subject: () => this.modelId,
      now: holder.deps.now,
      warn: (m) => holder.logger.warn(m),
    });
    this.#ops = {
      holder,
      modelId,
      reserve: () => this.#seq.reserve(1)[0] as number,
      ordered: (kind, message, seqId, signal, call) => this.#ordered(kind, message, seqId, signal, call),
      publicFuture: (name, options, start) => this.#publicFuture(name, options, start),
    };
  }

  /** The seq_id the next ordered call will use (0.4.1 request_id + 1). */
  get nextSeqId(): number {
    return this.#seq.nextSeqId;
  }

  /** Submit one ordered operation in its reserved slot (see {@link #submitter}) and poll its result. */
  #ordered<K extends OrderedKind>(
    kind: K,
    message: (seqId: number) => RequestMessages[K],
    seqId: number,
    signal: AbortSignal | undefined,
    call: CallState = {},
  ): APIFuture<ResultOf<K>> {
    const submit = this.#submitter(kind, message, seqId, signal, call);
    return this.#poll(kind, () => this.#seq.enqueue(submit), signal);
  }

  /**
   * The submit of one operation with reserved `seqId`, to run in its sequencer slot; `message`
   * builds the request inside each attempt (a re-run may change it). The first failure of a call
   * stops its later submits.
   */
  #submitter<K extends OrderedKind>(
    kind: K,
    message: (seqId: number) => RequestMessages[K],
    seqId: number,
    signal: AbortSignal | undefined,
    call: CallState,
  ): () => Promise<UntypedAPIFuture> {
    const h = this.#holder;
    const encoder = h.codec[kind] as RequestEncoder<RequestMessages[K]>;
    return async () => {
      if (signal?.aborted) throw new APIUserAbortError();
      if (call.failed !== undefined) throw call.failed;
      const opSignal = joinSignals(signal, h.operationSignal());
      try {
        const res = await executeWithRetries(
          () =>
            h.transport.request({
              method: "POST",
              path: requestPath(h.generation, kind),
              body: encoder.encode(message(seqId)),
              pool: "train",
              maxRetries: httpRetriesFor(h.generation, kind),
              signal: opSignal,
            }),
          {
            deps: h.deps,
            telemetry: h.telemetry,
            logger: h.logger,
            signal: opSignal,
            name: OPERATIONS[kind].requestType,
            billing: h.billingFor(kind),
          },
        );
        return RESPONSES.untypedFuture(res.body);
      } catch (error) {
        call.failed = error;
        throw error;
      }
    };
  }

  #poll<K extends OrderedKind>(
    kind: K,
    submit: () => Promise<UntypedAPIFuture>,
    signal: AbortSignal | undefined,
  ): APIFuture<ResultOf<K>> {
    const op = OPERATIONS[kind];
    return pollingFuture(this.#holder.futureContext, submit, {
      requestType: op.requestType,
      parse: op.parse as (body: unknown) => ResultOf<K>,
      onQueueState: this.#onQueueState,
      signal,
    });
  }

  /** Wrap a running operation as the public future, reporting a failure to telemetry (fatal capture). */
  #publicFuture<T>(
    name: string,
    options: RequestCallOptions | undefined,
    start: (signal: AbortSignal | undefined) => APIFuture<T>,
  ): APIFuture<T> {
    let inner: APIFuture<T> | undefined;
    // `start` runs synchronously inside the call scope, so its requests belong to this call.
    const p = this.#holder.call(`TrainingClient.${name}`, options, async (signal) => {
      inner = start(signal);
      return await inner;
    });
    return futureFromPromise(p, {
      requestId: () => inner?.requestId,
      deps: this.#holder.deps,
      onUnobservedFailure: this.#holder.unobserved(`TrainingClient.${name}`),
    });
  }

  #chunked(
    kind: "forward" | "forward_backward",
    data: readonly Datum[],
    lossFn: LossFnType,
    lossFnConfig: LossFnConfig | null | undefined,
    options: RequestCallOptions,
  ): APIFuture<ForwardBackwardOutput> {
    // Validate everything before reserving ids, so a bad call consumes no seq_id.
    if (!Array.isArray(data)) throw new ValidationError("data", "expected an array of datums");
    const input = encodeForwardBackwardInput([], lossFn, lossFnConfig);
    const h = this.#holder;
    // The generation's caps (0.25.0: the server's client/config, fact 11). Every datum is encoded
    // (and so checked) now: a bad one fails the call before any chunk is sent.
    const policy = chunkPolicyFromFlags(h.generation, h.sessionHandshake.flags);
    const plan = planForwardChunks(data, lossFn, policy, !(options as ForwardOptions).skipInputChecks);
    const ids = this.#seq.reserve(plan.chunks.length);
    const call: CallState = {};
    const model_id = this.modelId;
    const start = (signal: AbortSignal | undefined) => {
      const submits = plan.chunks.map((chunk, i) => {
        const fwd = { ...input, data: chunk };
        const seqId = ids[i] as number;
        return kind === "forward"
          ? this.#submitter(
              "forward",
              (seq_id) => ({ forward_input: fwd, model_id, seq_id }),
              seqId,
              signal,
              call,
            )
          : this.#submitter(
              kind,
              (seq_id) => ({ forward_backward_input: fwd, model_id, seq_id }),
              seqId,
              signal,
              call,
            );
      });
      const budget = h.byteBudgets()?.fwdbwdDispatch;
      const answered = dispatchChunks(this.#seq, submits, {
        ...policy,
        budget,
        measures: plan.measures,
        signal,
      });
      const parts = answered.map((p) => this.#poll(kind, () => p, signal));
      return combinedFuture(parts, combineForwardBackwardOutputs, h.deps);
    };
    return this.#publicFuture(kind === "forward" ? "forward" : "forwardBackward", options, start);
  }

  /**
   * Forward pass only (no gradients). Chunked; outputs combined, metrics reduced. The loss config
   * goes positionally (0.4.1 order) or as `options.lossFnConfig`: `forward(data, "ppo", { signal })`.
   */
  forward<L extends LossFnType>(
    data: readonly Datum[],
    lossFn: L,
    options?: ForwardOptions<L>,
  ): APIFuture<ForwardBackwardOutput>;
  forward<L extends LossFnType>(
    data: readonly Datum[],
    lossFn: L,
    lossFnConfig: LossFnConfigFor<L> | null | undefined,
    options?: RequestCallOptions,
  ): APIFuture<ForwardBackwardOutput>;
  forward(
    data: readonly Datum[],
    lossFn: LossFnType,
    configOrOptions?: object | null,
    options?: RequestCallOptions,
  ): APIFuture<ForwardBackwardOutput> {
    const [config, opts] = splitLossArgs(configOrOptions, options);
    return this.#chunked("forward", data, lossFn, config, opts);
  }

  /** Forward and backward pass, accumulating gradients for the next optimStep (arguments as `forward`). */
  forwardBackward<L extends LossFnType>(
    data: readonly Datum[],
    lossFn: L,
    options?: ForwardOptions<L>,
  ): APIFuture<ForwardBackwardOutput>;
  forwardBackward<L extends LossFnType>(
    data: readonly Datum[],
    lossFn: L,
    lossFnConfig: LossFnConfigFor<L> | null | undefined,
    options?: RequestCallOptions,
  ): APIFuture<ForwardBackwardOutput>;
  forwardBackward(
    data: readonly Datum[],
    lossFn: LossFnType,
    configOrOptions?: object | null,
    options?: RequestCallOptions,
  ): APIFuture<ForwardBackwardOutput> {
    const [config, opts] = splitLossArgs(configOrOptions, options);
    return this.#chunked("forward_backward", data, lossFn, config, opts);
  }

  /**
   * forward_backward with a loss computed here: a cross-entropy forward gives each datum's logprobs,
   * `lossFn` returns the loss, its gradient with respect to those logprobs and metrics, then a
   * cross_entropy forward_backward on the linear surrogate (weights = −grad, target_tokens kept, other
   * inputs dropped) puts exactly that gradient on the model, as 0.4.1. The backward's seq_ids are
   * reserved only after the loss ran (0.4.1 ordering). User metrics override server metrics.
   */
  forwardBackwardCustom(
    data: readonly Datum[],
    lossFn: CustomLossFn,
    options: CallOptions = {},
  ): APIFuture<ForwardBackwardOutput> {
    return forwardBackwardCustom(this, this.#holder, data, lossFn, options);
  }

  /** Apply the accumulated gradients with Adam. Only the fields given are sent. */
  optimStep(adamParams: AdamParams = {}, options: CallOptions = {}): APIFuture<OptimStepResponse> {
    const adam = encodeAdamParams(adamParams);
    const [seqId] = this.#seq.reserve(1);
    return this.#publicFuture("optimStep", options, (signal) =>
      this.#ordered(
        "optim_step",
        (seq) => ({ adam_params: adam, model_id: this.modelId, seq_id: seq }),
        seqId as number,
        signal,
      ),
    );
  }

  /**
   * Save weights and optimizer state as `tinker://…/weights/<name>`; `ttlSeconds` makes the
   * checkpoint expire, `overwrite` replaces one of the same name.
   */
  saveState(name: string, options: SaveStateOptions = {}): APIFuture<SaveWeightsResponse> {
    return saveState(this.#ops, name, options);
  }

  /** Load the weights from a full `tinker://` path (0.25.0: weights only, the optimizer restarts). */
  loadState(path: string, options: LoadStateOptions = {}): APIFuture<LoadWeightsResponse> {
    return loadState(this.#ops, path, false, options);
  }

  /** Load the weights and the optimizer state (Adam moments) from a full `tinker://` path. */
  loadStateWithOptimizer(path: string, options: LoadStateOptions = {}): APIFuture<LoadWeightsResponse> {
    return loadState(this.#ops, path, true, options);
  }

  /** Save sampler weights as `tinker://…/sampler_weights/<name>` (optionally with a TTL); resolves to `{path}`. */
  saveWeightsForSampler(
    name: string,
    options: SaveWeightsForSamplerOptions = {},
  ): APIFuture<SavedSamplerWeights> {
    return saveWeightsForSampler(this.#ops, name, options);
  }

  /**
   * Save ephemeral sampler weights and return a SamplingClient on them (no create_sampling_session;
   * the server returns the session id). `name` is ignored, as in both SDKs.
   */
  async saveWeightsAndGetSamplingClient(
    _name?: string,
    options: SamplingClientOptions = {},
  ): Promise<SamplingClient> {
    return saveWeightsAndGetSamplingClient(this.#ops, options);
  }

  /**
   * A SamplingClient on saved sampler weights — a `tinker://` path, as a string or `{ modelPath }`
   * (the shape `ServiceClient.createSamplingClient` takes); creates a sampling session.
   */
  createSamplingClient(
    source: string | { modelPath: string },
    options: SamplingClientOptions = {},
  ): Promise<SamplingClient> {
    const modelPath = typeof source === "string" ? source : source?.modelPath;
    return SamplingClient.create(this.#holder, { modelPath, retryConfig: options.retryConfig }, options);
  }

  /** Model information (POST get_info; not ordered, SDK-level retries). */
  getInfo(options?: RequestCallOptions): Promise<GetInfoResponse> {
    return getInfo(this.#ops, options);
  }

  /**
   * The model's tokenizer: get_info (no SDK-level retry) then the tokenizer it names, by the
   * generation's rules (0.25.0 cuts `:…` suffixes), from local files: `{ dir }` first, then
   * `TINKER_TOKENIZER_DIR`, then the Hugging Face cache. Cached per client and directory; a failure
   * is not cached.
   */
  getTokenizer(options: TokenizerOptions = {}): Promise<Tokenizer> {
    const [location, call] = splitTokenizerOptions(options);
    return this.#tokenizers.get(location, () => getTrainingTokenizer(this.#ops, call, location));
  }
}
