/**
 * SamplingClient: text generation and prompt logprobs on one sampling session. Sample calls run
 * concurrently: at most 400 submissions in flight per holder, a 1 s back-off shared by every
 * sampling client of the holder after a 429 (and, in 0.25.0, a 402 inside the billing pause),
 * SDK-level retries, then the RetryHandler (which re-submits the whole sample, e.g. after a 410 on
 * its future). The generation says whether a re-send keeps the seq_id (0.25.0) or takes the next
 * (0.4.1); a re-run by the RetryHandler always takes the next (fact 14).
 */
import { APIStatusError, APIUserAbortError, ValidationError } from "../errors/index.js";
import {
  type APIFuture,
  createQueueStateWarner,
  futureFromPromise,
  pollingFuture,
  type QueueStateObserver,
} from "../futures/index.js";
import { pathSegment } from "../lib/path-segment.js";
import { estimateSampleBytes } from "../lib/proto-size.js";
import { loadTokenizer, type Tokenizer } from "../tokenizer/index.js";
import { splitTokenizerOptions, TokenizerCache, type TokenizerOptions } from "./tokenizer-cache.js";
import type { ModelInput } from "../types/model-input.js";
import type { SamplingParams } from "../types/params.js";
import { RESPONSES } from "../types/parse.js";
import {
  encodeCreateSamplingSessionRequest,
  encodeSampleRequest,
  type SampleRequest,
} from "../types/requests.js";
import type { GetSamplerResponse, SampleResponse } from "../types/responses.js";
import {
  callOptionsOf,
  joinSignals,
  notePhase,
  type RequestCallOptions,
  untilAborted,
} from "../core/deadline.js";
import { httpRetriesFor } from "../protocol/generation.js";
import { executeWithRetries } from "./retry.js";
import { type RetryConfig, RetryHandler, resolveRetryConfig } from "./retry-handler.js";
import type { SessionHolder } from "./session-holder.js";

/** Sent with every asample (0.4.1); lower-case, as the transport sends header names. */
const BACKPRESSURE_HEADER = { "x-tinker-sampling-backpressure": "1" } as const;

export type { RetryConfig } from "./retry-handler.js";

/** Options of `sample`: prompt logprobs and the per-call options (a signal aborts this sample only). */
export interface SampleOptions extends RequestCallOptions {
  includePromptLogprobs?: boolean;
  topkPromptLogprobs?: number;
}

/** How a sampling client is created. */
export interface SamplingClientInit {
  modelPath?: string;
  baseModel?: string;
  samplingSessionId?: string;
  retryConfig?: Partial<RetryConfig>;
}

// RetryHandlers are shared per holder by (model, config), like 0.4.1's lru_cache.
const handlers = new WeakMap<SessionHolder, Map<string, RetryHandler>>();

function sharedHandler(holder: SessionHolder, name: string | undefined, config: RetryConfig): RetryHandler {
  let perHolder = handlers.get(holder);
  if (!perHolder) {
    perHolder = new Map();
    handlers.set(holder, perHolder);
  }
  const key = JSON.stringify([name ?? null, config]);
  let h = perHolder.get(key);
  if (!h) {
    h = new RetryHandler(config, holder.deps, () => holder.telemetry, holder.logger);
    perHolder.set(key, h);
  }
  return h;
}

/** Options of both `createSamplingClient`s: the sampling RetryHandler's config and the per-call options. */
export interface SamplingClientOptions extends RequestCallOptions {
  retryConfig?: Partial<RetryConfig>;
}

/** Client for one sampling session. Get one from ServiceClient or TrainingClient. */
export class SamplingClient {
  /** `tinker://` sampler weights this client samples from, if created from a path. */
  readonly modelPath: string | undefined;
  /** Base model this client samples from, if created from one. */
  readonly baseModel: string | undefined;
  /** Server sampling session id. */
  readonly samplingSessionId: string;
  readonly #holder: SessionHolder;
  readonly #retry: RetryHandler;
  readonly #onQueueState: QueueStateObserver;
  readonly #tokenizers = new TokenizerCache();
  #seq = 0;

  /**
   * The client of an existing sampling session (package-internal; users get one from the factory
   * methods of ServiceClient / TrainingClient). @internal
   */
  static of(holder: SessionHolder, init: SamplingClientInit & { samplingSessionId: string }): SamplingClient {
    return new SamplingClient(holder, init);
  }

  // Private, so the published types offer no constructor: `new SamplingClient()` does not compile.
  private constructor(holder: SessionHolder, init: SamplingClientInit & { samplingSessionId: string }) {
    this.#holder = holder;
    this.modelPath = init.modelPath;
    this.baseModel = init.baseModel;
    this.samplingSessionId = init.samplingSessionId;
    holder.announce({ client: "SamplingClient", samplingSessionId: init.samplingSessionId });
    // 0.25.0: the server's sample_max_concurrent_requests overrides the caller's max_connections.
    const maxConnections = holder.generation.retry.sample.serverSetsMaxConcurrent
      ? { maxConnections: holder.sessionHandshake.flags.sample_max_concurrent_requests }
      : {};
    this.#retry = sharedHandler(
      holder,
      init.modelPath ?? init.baseModel,
      resolveRetryConfig({ ...init.retryConfig, ...maxConnections }),
    );
    this.#onQueueState = createQueueStateWarner({
      kind: "sampling",
      subject: () => this.modelPath ?? init.baseModel ?? this.samplingSessionId,
      now: holder.deps.now,
      warn: (m) => holder.logger.warn(m),
    });
  }

  /**
   * Create a sampling session (POST create_sampling_session) and its client. `modelPath` must start
   * with `tinker://` (checked before anything is sent). Use the ServiceClient / TrainingClient
   * factories. @internal
   */
  static async create(
    holder: SessionHolder,
    init: SamplingClientInit,
    options?: RequestCallOptions,
  ): Promise<SamplingClient> {
    const callOptions = options && callOptionsOf(options);
    return holder.call("ServiceClient.createSamplingClient", callOptions, async (callSignal) => {
      if (init.modelPath && !init.modelPath.startsWith("tinker://")) {
        throw new ValidationError("model_path", "model_path must start with 'tinker://'");
      }
      if (!init.modelPath && !init.baseModel) {
        throw new ValidationError("model_path", "Either model_path or base_model must be provided");
      }
      resolveRetryConfig(init.retryConfig);
      const signal = joinSignals(callSignal, holder.operationSignal());
      notePhase("waiting for create_session");
      const sessionId = await untilAborted(holder.sessionId(), signal);
      const message = encodeCreateSamplingSessionRequest({
        session_id: sessionId,
        sampling_session_seq_id: holder.nextSamplingSessionSeqId(),
        base_model: init.baseModel ?? null,
        model_path: init.modelPath ?? null,
      });
      const res = await holder.transport.request({
        method: "POST",
        path: "/api/v1/create_sampling_session",
        body: holder.codec.create_sampling_session.encode(message),
        pool: "session",
        signal,
      });
      const created = RESPONSES.createSamplingSession(res.body);
      return new SamplingClient(holder, { ...init, samplingSessionId: created.sampling_session_id });
    });
  }

  /**
   * Sampling seq_id the next sample will use (starts at 0). 0.4.1 takes one per send attempt,
   * 0.25.0 one per sample (a re-send keeps it; a re-run after a 410 takes the next).
   */
  get nextSeqId(): number {
    return this.#seq;
  }

  /** Generate `numSamples` continuations of `prompt`. */
  sample(
    prompt: ModelInput,
    numSamples: number,
    samplingParams: SamplingParams = {},
    options: SampleOptions = {},
  ): APIFuture<SampleResponse> {
    const h = this.#holder;
    // Validated and encoded once, up front, so a bad call fails before anything is sent; each
    // attempt only sets its own seq_id.
    const body = encodeSampleRequest({
      num_samples: numSamples,
      prompt,
      sampling_params: samplingParams,
      sampling_session_id: this.samplingSessionId,
      seq_id: 0,
      prompt_logprobs: options.includePromptLogprobs,
      topk_prompt_logprobs: options.topkPromptLogprobs,
    });
    let current: APIFuture<SampleResponse> | undefined;
    const p = h.call("SamplingClient.sample", callOptionsOf(options), (callSignal) => {
      const signal = joinSignals(callSignal, h.operationSignal());
      const attempt = async (): Promise<SampleResponse> => {
        const seqId = h.generation.retry.sample.resendKeepsSeqId ? this.#seq++ : undefined;
        current = pollingFuture(h.futureContext, () => this.#submit(body, signal, seqId), {
          requestType: "Sample",
          parse: RESPONSES.sample,
          onQueueState: this.#onQueueState,
          signal: callSignal,
        });
        // result() with no limits is the future's own promise: awaiting it skips a thenable job.
        return await current.result();
      };
      return this.#retry.execute(attempt, signal);
    });
    return futureFromPromise(p, {
      requestId: () => current?.requestId,
      deps: h.deps,
      onUnobservedFailure: h.unobserved("SamplingClient.sample"),
    });
  }

  /** Logprob of every prompt token (the first is null): a 1-token sample with prompt logprobs. */
  computeLogprobs(prompt: ModelInput, options: RequestCallOptions = {}): APIFuture<Array<number | null>> {
    const f = this.sample(
      prompt,
      1,
      { max_tokens: 1 },
      { ...callOptionsOf(options), includePromptLogprobs: true },
    );
    return f.map((r) => r.prompt_logprobs ?? []);
  }

  /**
   * The sampler's description (GET /api/v1/samplers/{id}, SDK-level retries). Not in 0.4.1; later
   * Python versions have it as `get_base_model` / `_get_sampler_submit`.
   */
  getSampler(options?: RequestCallOptions): Promise<GetSamplerResponse> {
    const h = this.#holder;
    return h.call("SamplingClient.getSampler", options, (callSignal) => {
      const signal = joinSignals(callSignal, h.operationSignal());
      return executeWithRetries(
        async () => {
          const res = await h.transport.request({
            method: "GET",
            path: `/api/v1/samplers/${pathSegment(this.samplingSessionId, "sampling_session_id")}`,
            pool: "train",
            signal,
          });
          return RESPONSES.getSampler(res.body);
        },
        {
          deps: h.deps,
          telemetry: h.telemetry,
          logger: h.logger,
          signal,
          name: "get_sampler",
          billing: h.billingFor("rest"),
        },
      );
    });
  }

  /** The base model this client samples (asks the server; as later Python versions do). */
  async getBaseModel(options?: RequestCallOptions): Promise<string> {
    return (await this.getSampler(options)).base_model;
  }

  /**
   * The tokenizer of the sampled base model, loaded from local files only (see `loadTokenizer`):
   * `{ dir }` first, then `TINKER_TOKENIZER_DIR`, then the Hugging Face cache; named by the
   * generation's rules from the base model (GET /samplers/{id}). Cached per client and directory;
   * a failure is not cached.
   */
  getTokenizer(options: TokenizerOptions = {}): Promise<Tokenizer> {
    const [location, call] = splitTokenizerOptions(options);
    return this.#tokenizers.get(location, async () =>
      loadTokenizer(
        await this.getBaseModel(call),
        null,
        location,
        this.#holder.env,
        this.#holder.generation.name,
      ),
    );
  }

  /**
   * One submission: dispatch slot, shared 429/402 back-off, SDK-level retries; resolves to
   * `{request_id}`. `seqId`: the sample's seq_id when every send keeps it (0.25.0).
   */
  async #submit(body: SampleRequest, signal: AbortSignal, seqId: number | undefined) {
    const h = this.#holder;
    const policy = h.generation.retry.sample;
    const large = policy.largePromptBackoff;
    // Only 0.25.0 uses the prompt's size (back-off and byte budget): 0.4.1's hot path skips it.
    const estimate = large !== null || h.generation.byteBudgets ? estimateSampleBytes(body.prompt) : 0;
    // sampling_client.py: 1 s after a 429/402, 5 s when the prompt is estimated over 128 KiB.
    const backoffMs = large !== null && estimate > large.overBytes ? large.backoffMs : policy.backoffMs;
    notePhase("waiting for a sampling dispatch slot");
    const releases: Array<() => void> = [];
    try {
      releases.push(h.sampleDispatch.tryAcquire() ?? (await h.sampleDispatch.acquire(signal)));
      const recent = this.#backoffRecent();
      if (recent && h.sampleThrottled) {
        notePhase("waiting for a throttled sampling slot (a 429 back-off was recent)");
        releases.push(await h.sampleThrottled.acquire(signal));
      }
      const releaseBytes = await this.#reserveBytes(estimate, recent, signal);
      if (releaseBytes) releases.push(releaseBytes);
      for (;;) {
        while (h.sampleBackoffUntil !== undefined && h.deps.now() < h.sampleBackoffUntil) {
          notePhase("backing off after 429 on asample (shared sampling back-off)");
          await h.deps.sleep(policy.backoffMs, signal);
        }
        if (signal.aborted) throw new APIUserAbortError();
        const res = await executeWithRetries(() => this.#send(body, signal, seqId), {
          deps: h.deps,
          telemetry: h.telemetry,
          logger: h.logger,
          signal,
          name: "asample",
          billing: h.billingFor("asample"),
        });
        if (res !== undefined) return res;
        h.sampleBackoffUntil = h.deps.now() + backoffMs;
      }
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /** Whether a back-off was asked within the generation's throttled window (or still runs). */
  #backoffRecent(): boolean {
    const h = this.#holder;
    const throttled = h.generation.retry.sample.throttled;
    const until = h.sampleBackoffUntil;
    return throttled !== null && until !== undefined && h.deps.now() - until < throttled.windowMs;
  }

  /**
   * 0.25.0's sample dispatch budget (fact 13): the prompt's estimate (text tokens × 10, image
   * bytes), × the throttled factor (20) within 10 s of a 429 back-off, held until the submit is
   * answered.
   */
  async #reserveBytes(
    estimate: number,
    recent: boolean,
    signal: AbortSignal,
  ): Promise<(() => void) | undefined> {
    const h = this.#holder;
    const budget = h.byteBudgets()?.sampleDispatch;
    if (budget === undefined) return undefined;
    const factor = recent ? (h.generation.retry.sample.throttled?.bytesFactor ?? 1) : 1;
    notePhase("waiting for the sample dispatch byte budget");
    return budget.acquire(estimate * factor, signal);
  }

  /**
   * One POST /api/v1/asample with `seqId` or else the next seq_id; undefined on 429, and on a 402
   * inside the billing pause (the caller backs off).
   */
  async #send(encoded: SampleRequest, signal: AbortSignal, seqId: number | undefined) {
    const h = this.#holder;
    // The key keeps its place in the body.
    const message: SampleRequest = { ...encoded, seq_id: seqId ?? this.#seq++ };
    try {
      const res = await h.transport.request({
        method: "POST",
        path: "/api/v1/asample",
        body: h.codec.asample.encode(message),
        pool: "sample",
        maxRetries: httpRetriesFor(h.generation, "asample"),
        headers: BACKPRESSURE_HEADER,
        signal,
      });
      return RESPONSES.untypedFuture(res.body);
    } catch (error) {
      if (error instanceof APIStatusError) {
        if (error.status === 429) return undefined;
        if (h.billingFor("asample")?.gate.shouldPause(error.status, error.message)) return undefined;
      }
      throw error;
    }
  }
}
