/**
 * TrainingClient: one LoRA model on the server. Ordered calls (forward, forwardBackward, optimStep,
 * saveState, loadState, saveWeightsForSampler) reserve their 0.4.1 `seq_id`s when called and are
 * submitted strictly in call order (see SubmitSequencer); results are polled concurrently.
 */
import { chunkPolicyFromFlags, httpRetriesFor, requestPath } from "../protocol/generation.js";
import { APIUserAbortError, BadResponseError, ValidationError } from "../errors/index.js";
import {
  type APIFuture,
  combinedFuture,
  createQueueStateWarner,
  futureFromPromise,
  pollingFuture,
  type QueueStateObserver,
} from "../futures/index.js";
import { combineForwardBackwardOutputs } from "../lib/metrics.js";
import { parseTinkerPath } from "../lib/tinker-path.js";
import { loadTokenizer, type Tokenizer } from "../tokenizer/index.js";
import type { RequestEncoder, RequestKind, RequestMessages } from "../types/codec.js";
import type { Datum } from "../types/datum.js";
import type { LossFnType } from "../types/enums.js";
import { type AdamParams, encodeAdamParams } from "../types/params.js";
import { RESPONSES } from "../types/parse.js";
import {
  encodeForwardBackwardInput,
  encodeGetInfoRequest,
  encodeLoadWeightsRequest,
  encodeSaveWeightsForSamplerRequest,
  encodeSaveWeightsRequest,
  type LossFnConfig,
  type LossFnConfigFor,
} from "../types/requests.js";
import type {
  ForwardBackwardOutput,
  GetInfoResponse,
  LoadWeightsResponse,
  OptimStepResponse,
  SaveWeightsForSamplerResponse,
  SaveWeightsResponse,
  UntypedAPIFuture,
} from "../types/responses.js";
import { TensorData } from "../types/tensor-data.js";
import { joinSignals, type RequestCallOptions } from "../core/deadline.js";
import { executeWithRetries } from "./retry.js";
import { dispatchChunks } from "./chunk-dispatch.js";
import { planForwardChunks, splitLossArgs } from "./forward-args.js";
import { type RetryConfig, SamplingClient, type SamplingClientOptions } from "./sampling-client.js";
import { SubmitSequencer } from "./sequencer.js";
import { splitTokenizerOptions, TokenizerCache, type TokenizerOptions } from "./tokenizer-cache.js";
import type { SessionHolder } from "./session-holder.js";

/**
 * The ordered operations: endpoint, the X-Tinker-Request-Type of their polls, and the parser of
 * their result. Each is submitted in its reserved seq_id slot and its future then polled.
 */
const OPERATIONS = {
  forward: { requestType: "Forward", parse: RESPONSES.forwardBackward },
  forward_backward: { requestType: "ForwardBackward", parse: RESPONSES.forwardBackward },
  optim_step: { requestType: "OptimStep", parse: RESPONSES.optimStep },
  save_weights: { requestType: "SaveWeights", parse: RESPONSES.saveWeights },
  load_weights: { requestType: "LoadWeights", parse: RESPONSES.loadWeights },
  save_weights_for_sampler: { requestType: "SaveWeightsForSampler", parse: RESPONSES.saveWeightsForSampler },
} as const satisfies Record<string, { requestType: string; parse: (body: unknown) => unknown }>;

type OrderedKind = keyof typeof OPERATIONS & RequestKind;
type ResultOf<K extends OrderedKind> = ReturnType<(typeof OPERATIONS)[K]["parse"]>;

/**
 * Per-call options of every TrainingClient method (`signal`, `headers`, `maxRetries`, `timeout`;
 * see RequestCallOptions). A signal aborts this call only (before or during submit, or while
 * polling); later calls proceed.
 */
export type CallOptions = RequestCallOptions;

/** Options of `forward` / `forwardBackward`: the per-call options and, optionally, the loss config. */
export interface ForwardOptions<L extends LossFnType = LossFnType> extends RequestCallOptions {
  lossFnConfig?: LossFnConfigFor<L> | null;
}

/** What a custom loss function returns: the loss, d(loss)/d(logprobs) per datum, and metrics. */
export interface CustomLossResult {
  loss: number;
  /** One gradient array per datum, same length as that datum's logprobs. */
  grads: ReadonlyArray<ArrayLike<number> | null | undefined>;
  metrics?: Record<string, number>;
}

/** A user loss over the per-datum logprobs of a forward pass (0.4.1 CustomLossFnV1, without torch). */
export type CustomLossFn = (
  data: readonly Datum[],
  logprobs: number[][],
) => CustomLossResult | Promise<CustomLossResult>;

/** Shared state of one submitted call across its chunks: the first submit failure stops the rest. */
interface CallState {
  failed?: unknown;
}

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
      warn: (m) => holder.logger.warn(m),
    });
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
    const plan = planForwardChunks(data, lossFn, policy);
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
    const forward = this.forward(data, "cross_entropy", null, options);
    let backward: APIFuture<ForwardBackwardOutput> | undefined;
    const run = async (): Promise<ForwardBackwardOutput> => {
      const fwd = await forward;
      const logprobs = fwd.loss_fn_outputs.map((o, i) => {
        const t = o.logprobs;
        if (!t)
          throw new ValidationError(`loss_fn_outputs[${i}].logprobs`, "missing from the forward output");
        return [...t.data];
      });
      const { grads, metrics = {} } = await lossFn(data, logprobs);
      const n = Math.min(data.length, grads.length);
      const surrogate: Datum[] = [];
      for (let i = 0; i < n; i++) {
        const grad = grads[i];
        if (grad == null) throw new ValidationError(`grads[${i}]`, "No gradient computed for logprob tensor");
        const d = data[i] as Datum;
        const target = d.loss_fn_inputs.target_tokens;
        if (!target) throw new ValidationError(`data[${i}].loss_fn_inputs.target_tokens`, "is required");
        const weights = Array.from(grad, (g) => -g);
        surrogate.push({
          model_input: d.model_input,
          loss_fn_inputs: {
            target_tokens: target,
            weights: TensorData.fromArray(weights, "float32", [weights.length]),
          },
        });
      }
      backward = this.#chunked("forward_backward", surrogate, "cross_entropy", null, options);
      const out = await backward;
      return { ...out, metrics: { ...out.metrics, ...metrics } };
    };
    const p = this.#holder.capture("TrainingClient.forwardBackwardCustom", run);
    return futureFromPromise(p, {
      requestId: () => backward?.requestId ?? forward.requestId,
      deps: this.#holder.deps,
    });
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

  /** Save weights and optimizer state as `tinker://…/weights/<name>`. */
  saveState(name: string, options: CallOptions = {}): APIFuture<SaveWeightsResponse> {
    checkpointName(name);
    const [seqId] = this.#seq.reserve(1);
    return this.#publicFuture("saveState", options, (signal) =>
      this.#ordered(
        "save_weights",
        (seq) => encodeSaveWeightsRequest({ model_id: this.modelId, path: name, seq_id: seq }),
        seqId as number,
        signal,
      ),
    );
  }

  /** Load weights (and optimizer state) from a full `tinker://` path. */
  loadState(path: string, options: CallOptions = {}): APIFuture<LoadWeightsResponse> {
    // Checked here rather than by the server (0.4.1 sends any string): a typo fails at once.
    parseTinkerPath(typeof path === "string" ? path : String(path));
    const [seqId] = this.#seq.reserve(1);
    return this.#publicFuture("loadState", options, (signal) =>
      this.#ordered(
        "load_weights",
        (seq) => encodeLoadWeightsRequest({ model_id: this.modelId, path, seq_id: seq }),
        seqId as number,
        signal,
      ),
    );
  }

  #saveForSampler(
    name: string | undefined,
    signal: AbortSignal | undefined,
  ): APIFuture<SaveWeightsForSamplerResponse> {
    if (name !== undefined) checkpointName(name);
    const [seqId] = this.#seq.reserve(1);
    return this.#ordered(
      "save_weights_for_sampler",
      // The ephemeral form takes a new sampling_session_seq_id on every attempt (0.4.1, H14).
      (seq) =>
        encodeSaveWeightsForSamplerRequest(
          name !== undefined
            ? { model_id: this.modelId, path: name, seq_id: seq }
            : {
                model_id: this.modelId,
                seq_id: seq,
                sampling_session_seq_id: this.#holder.nextSamplingSessionSeqId(),
              },
        ),
      seqId as number,
      signal,
    );
  }

  /** Save sampler weights as `tinker://…/sampler_weights/<name>`; resolves to `{path}`. */
  saveWeightsForSampler(name: string, options: CallOptions = {}): APIFuture<SaveWeightsForSamplerResponse> {
    let inner: APIFuture<SaveWeightsForSamplerResponse> | undefined;
    const p = this.#holder.call("TrainingClient.saveWeightsForSampler", options, async (signal) => {
      inner = this.#saveForSampler(name, signal);
      const r = await inner;
      if (r.path == null) {
        throw new BadResponseError("save_weights_for_sampler returned no path", { body: r, field: "path" });
      }
      return { path: r.path };
    });
    return futureFromPromise(p, { requestId: () => inner?.requestId, deps: this.#holder.deps });
  }

  /**
   * Save ephemeral sampler weights and return a SamplingClient on them (no create_sampling_session;
   * the server returns the session id). `name` is ignored, as in 0.4.1.
   */
  async saveWeightsAndGetSamplingClient(
    _name?: string,
    options: CallOptions & { retryConfig?: Partial<RetryConfig> } = {},
  ): Promise<SamplingClient> {
    return this.#holder.call("TrainingClient.saveWeightsAndGetSamplingClient", options, async (signal) => {
      const r = await this.#saveForSampler(undefined, signal);
      if (!r.sampling_session_id) {
        throw new BadResponseError("save_weights_for_sampler returned no sampling session", {
          body: r,
          field: "sampling_session_id",
        });
      }
      return new SamplingClient(this.#holder, {
        samplingSessionId: r.sampling_session_id,
        retryConfig: options.retryConfig,
      });
    });
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
    const h = this.#holder;
    return h.call("TrainingClient.getInfo", options, (callSignal) => {
      const signal = joinSignals(callSignal, h.operationSignal());
      return executeWithRetries(() => this.#requestInfo(signal), {
        deps: h.deps,
        telemetry: h.telemetry,
        logger: h.logger,
        signal,
        name: "get_info",
        billing: h.billingFor("get_info"),
      });
    });
  }

  async #requestInfo(signal: AbortSignal): Promise<GetInfoResponse> {
    const h = this.#holder;
    const res = await h.transport.request({
      method: "POST",
      path: "/api/v1/get_info",
      body: h.codec.get_info.encode(encodeGetInfoRequest(this.modelId)),
      pool: "train",
      signal,
    });
    return RESPONSES.getInfo(res.body);
  }

  /**
   * The model's tokenizer: get_info (no SDK-level retry, as 0.4.1) then `loadTokenizer(model_name,
   * tokenizer_id)` from local files: `{ dir }` first, then `TINKER_TOKENIZER_DIR`, then the Hugging
   * Face cache. Cached per client and directory; a failure is not cached.
   */
  getTokenizer(options: TokenizerOptions = {}): Promise<Tokenizer> {
    const h = this.#holder;
    const [location, call] = splitTokenizerOptions(options);
    return this.#tokenizers.get(location, () =>
      h.call("TrainingClient.getTokenizer", call, async (callSignal) => {
        const info = await this.#requestInfo(joinSignals(callSignal, h.operationSignal()));
        const modelName = info.model_data.model_name ?? info.model_name;
        if (!modelName) {
          throw new BadResponseError("get_info returned no model name", {
            body: info,
            field: "model_data.model_name",
          });
        }
        return loadTokenizer(modelName, info.model_data.tokenizer_id ?? null, location, h.env);
      }),
    );
  }
}

/** A checkpoint name becomes the last segment of a tinker:// path. */
function checkpointName(name: unknown): void {
  if (typeof name !== "string") throw new ValidationError("name", `expected a string, got ${typeof name}`);
  if (name === "") throw new ValidationError("name", "must not be empty");
}
