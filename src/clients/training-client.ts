/**
 * TrainingClient: one LoRA model on the server. Ordered calls (forward, forwardBackward, optimStep,
 * saveState, loadState, saveWeightsForSampler) reserve their 0.4.1 `seq_id`s when called and are
 * submitted strictly in call order (see SubmitSequencer); results are polled concurrently.
 */
import { requestPath } from "../protocol/generation.js";
import { APIUserAbortError, ValidationError } from "../errors/index.js";
import {
  type APIFuture,
  combinedFuture,
  createQueueStateWarner,
  futureFromPromise,
  pollingFuture,
  type QueueStateObserver,
} from "../futures/index.js";
import { chunkDatums } from "../lib/chunking.js";
import { combineForwardBackwardOutputs } from "../lib/metrics.js";
import type { Tokenizer } from "../tokenizer/index.js";
import type { RequestEncoder, RequestMessages } from "../types/codec.js";
import { type Datum, type DatumJSON, encodeDatum } from "../types/datum.js";
import { checkDatumShapes } from "../types/datum-checks.js";
import type { LossFnType } from "../types/enums.js";
import { type AdamParams, encodeAdamParams } from "../types/params.js";
import { RESPONSES } from "../types/parse.js";
import { encodeForwardBackwardInput, type LossFnConfig, type LossFnConfigFor } from "../types/requests.js";
import type {
  ForwardBackwardOutput,
  GetInfoResponse,
  LoadWeightsResponse,
  OptimStepResponse,
  SaveWeightsForSamplerResponse,
  SaveWeightsResponse,
} from "../types/responses.js";
import { joinSignals, type RequestCallOptions } from "../core/deadline.js";
import { executeWithRetries } from "./retry.js";
import { SamplingClient } from "./sampling-client.js";
import { SubmitSequencer } from "./sequencer.js";
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
  type SamplingClientOptions,
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
  #tokenizer: Promise<Tokenizer> | undefined;
  /** What the state and info modules see of this client. */
  readonly #ops: TrainingOps;

  /** Use `ServiceClient.createLoraTrainingClient()` or `createTrainingClientFromState()`. @internal */
  constructor(holder: SessionHolder, modelSeqId: number, modelId: string) {
    this.#holder = holder;
    this.modelSeqId = modelSeqId;
    this.modelId = modelId;
    holder.announce({ client: "TrainingClient", modelId });
    this.#onQueueState = createQueueStateWarner({
      kind: "training",
      subject: () => this.modelId,
      now: holder.deps.now,
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

  /**
   * Submit one ordered operation in its reserved slot and poll its result. `seqId` was reserved by
   * the caller; `message` builds the request inside each attempt (a re-run may change it).
   */
  #ordered<K extends OrderedKind>(
    kind: K,
    message: (seqId: number) => RequestMessages[K],
    seqId: number,
    signal: AbortSignal | undefined,
    call: CallState = {},
  ): APIFuture<ResultOf<K>> {
    const h = this.#holder;
    const op = OPERATIONS[kind];
    const encoder = h.codec[kind] as RequestEncoder<RequestMessages[K]>;
    const submit = () =>
      this.#seq.enqueue(async () => {
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
                signal: opSignal,
              }),
            {
              deps: h.deps,
              telemetry: h.telemetry,
              logger: h.logger,
              signal: opSignal,
              name: op.requestType,
            },
          );
          return RESPONSES.untypedFuture(res.body);
        } catch (error) {
          call.failed = error;
          throw error;
        }
      });
    return pollingFuture(h.futureContext, submit, {
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
    // Every datum is encoded (and so checked) now: a bad one fails the call before any chunk is sent.
    const chunks = chunkDatums(
      data.map((d, i) => {
        const encoded = encodeDatumAt(d, i);
        if (!(options as ForwardOptions).skipInputChecks) {
          checkDatumShapes(i, d.model_input.length, d.loss_fn_inputs, lossFn);
        }
        return encoded;
      }),
    );
    const ids = this.#seq.reserve(chunks.length);
    const call: CallState = {};
    const modelId = this.modelId;
    const start = (signal: AbortSignal | undefined) =>
      combinedFuture(
        chunks.map((chunk, i) => {
          const fwdInput = { ...input, data: chunk };
          const seqId = ids[i] as number;
          return kind === "forward"
            ? this.#ordered(
                "forward",
                (seq_id) => ({ forward_input: fwdInput, model_id: modelId, seq_id }),
                seqId,
                signal,
                call,
              )
            : this.#ordered(
                "forward_backward",
                (seq_id) => ({ forward_backward_input: fwdInput, model_id: modelId, seq_id }),
                seqId,
                signal,
                call,
              );
        }),
        combineForwardBackwardOutputs,
        this.#holder.deps,
      );
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
  ): APIFuture<SaveWeightsForSamplerResponse> {
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

  /** A SamplingClient on saved sampler weights (`tinker://` path); creates a sampling session. */
  createSamplingClient(modelPath: string, options: SamplingClientOptions = {}): Promise<SamplingClient> {
    return SamplingClient.create(this.#holder, { modelPath, retryConfig: options.retryConfig }, options);
  }

  /** Model information (POST get_info; not ordered, SDK-level retries). */
  getInfo(options?: RequestCallOptions): Promise<GetInfoResponse> {
    return getInfo(this.#ops, options);
  }

  /**
   * The model's tokenizer: get_info (no SDK-level retry) then the tokenizer it names, by the
   * generation's rules (0.25.0 cuts `:…` suffixes). Cached per client; a failure is not cached.
   */
  getTokenizer(options?: RequestCallOptions): Promise<Tokenizer> {
    this.#tokenizer ??= getTrainingTokenizer(this.#ops, options);
    this.#tokenizer.catch(() => {
      this.#tokenizer = undefined;
    });
    return this.#tokenizer;
  }
}

/** The wire form of `data[i]`, with errors naming the datum. */
function encodeDatumAt(d: Datum, i: number): DatumJSON {
  const field = `data[${i}]`;
  if (typeof d !== "object" || d === null) throw new ValidationError(field, "expected a datum object");
  if (typeof d.loss_fn_inputs !== "object" || d.loss_fn_inputs === null) {
    throw new ValidationError(`${field}.loss_fn_inputs`, "expected an object of tensors");
  }
  if (d.model_input === undefined) throw new ValidationError(`${field}.model_input`, "is required");
  return encodeDatum(d);
}

const CALL_OPTION_KEYS = ["signal", "headers", "maxRetries", "timeout", "lossFnConfig", "skipInputChecks"];

/**
 * The loss config and per-call options of forward/forwardBackward, from either form: positional
 * `(config, options)` or `(options)`. An object with any per-call option key is options (a loss
 * config never has those keys).
 */
function splitLossArgs(
  configOrOptions: object | null | undefined,
  options: RequestCallOptions | undefined,
): [LossFnConfig | null | undefined, RequestCallOptions] {
  if (
    options === undefined &&
    typeof configOrOptions === "object" &&
    configOrOptions !== null &&
    CALL_OPTION_KEYS.some((k) => k in configOrOptions)
  ) {
    const { lossFnConfig, ...rest } = configOrOptions as ForwardOptions;
    return [lossFnConfig as LossFnConfig | null | undefined, rest];
  }
  return [configOrOptions as LossFnConfig | null | undefined, options ?? {}];
}
