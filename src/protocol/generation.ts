/**
 * Protocol generations as data. A generation is the one place that says what differs between the
 * Python SDK 0.4.1 wire and the 0.25.0 wire: version strings, the JSON body rule, the codec of each
 * request and result, the handshake, auth, the retry/poll policy table and the chunk limits. The
 * clients, transport and poller read these fields instead of branching on a version number.
 * Numbers cite the golden v0.25 README's wire facts ("fact N").
 */

/** Names of the generations tinker-ts speaks. */
export type ProtocolName = "0.4.1" | "0.25.0";

/** How a request body or a result travels. */
export type BodyCodec = "json" | "protobuf";

/**
 * JSON body rule. `exclude_unset` (0.4.1): only fields the caller set, no `type` discriminators,
 * explicit `None` as `null`. `exclude_none` (0.25.0): defaults too, `None` omitted, every `type`.
 */
export type JsonBodyRule = "exclude_unset" | "exclude_none";

/** Where a request's credential comes from. */
export type AuthMode = "api_key" | "jwt" | "credential_cmd";

/** Request kinds whose retry behaviour a generation sets. */
export type RequestKind =
  | "client_config"
  | "dynamic_config"
  | "auth_token"
  | "create_session"
  | "session_heartbeat"
  | "create_model"
  | "create_sampling_session"
  | "forward_backward"
  | "forward"
  | "optim_step"
  | "save_weights"
  | "save_weights_for_sampler"
  | "load_weights"
  | "asample"
  | "retrieve_future"
  | "get_info"
  | "rest"
  | "telemetry";

/** Retry of one request kind. */
export interface RequestRetryPolicy {
  /**
   * HTTP-layer retries (same idempotency key, retry-count header 1, 2, …); 0 = sent with
   * `max_retries=0`. Any other value stands for the client's setting (`maxRetries`, default 10).
   */
  httpMaxRetries: number;
  /** Whether the SDK-level loop (`execute_with_retries`) re-sends it on 5xx/connection errors. */
  sdkRetry: boolean;
  /** A 402 pauses and re-sends (0.25.0 billing pause) instead of failing. */
  billingPause: boolean;
}

/** The SDK-level retry loop around submits (`execute_with_retries`). */
export interface SdkRetryPolicy {
  /** First back-off after a retryable failure, then doubling (`min(2^n, 30)` s in both SDKs). */
  initialDelayMs: number;
  /** Cap of one back-off. */
  maxDelayMs: number;
  /** Wall-time budget of the loop (0.4.1 MAX_WAIT_TIME). */
  maxWaitMs: number;
  /** Whether each re-send takes a new idempotency key and restarts the retry-count at 0 (fact 15). */
  newIdempotencyKeyPerAttempt: boolean;
  /** Sleep before re-sending after a 402 (fact 16); null when 402 is not special. */
  billingPauseMs: number | null;
}

/** Sampling submits (`asample`). */
export interface SamplePolicy {
  /** A 429/402/5xx re-sends with the same seq_id (0.25.0, fact 14) or takes the next one (0.4.1). */
  resendKeepsSeqId: boolean;
  /**
   * Fixed back-off before re-sending a 429/402 (fact 16); also the interval at which a waiting
   * submit looks again whether the holder's back-off has passed (both SDKs sleep 1 s at a time).
   */
  backoffMs: number;
  /**
   * A longer back-off for a prompt estimated (`estimateSampleBytes`) over `overBytes` (0.25.0:
   * 5 s over 128 KiB); null: every prompt backs off `backoffMs` (0.4.1).
   */
  largePromptBackoff: { readonly overBytes: number; readonly backoffMs: number } | null;
  /**
   * After a back-off, for as long as `windowMs` past its end (and during it): at most
   * `maxConcurrent` sample submits at once, and each prompt counts `bytesFactor` times its
   * estimate in the sample dispatch budget (0.25.0: 10 s, 10, × 20); null: no throttling (0.4.1).
   */
  throttled: {
    readonly windowMs: number;
    readonly maxConcurrent: number;
    readonly bytesFactor: number;
  } | null;
  /** A 410 on the future re-runs the sample with the next seq_id (fact 10). */
  resampleOnExpiredFuture: boolean;
  /**
   * The server's `sample_max_concurrent_requests` is every sampling RetryHandler's
   * `max_connections`, overriding the caller's (0.25.0, fact 13).
   */
  serverSetsMaxConcurrent: boolean;
}

/** What the poller does with each poll outcome. */
export interface PollPolicy {
  /** Body sends `allow_metadata_only: true` first (fact 8). */
  allowMetadataOnly: boolean;
  /** Result types polled with `Accept: application/x-protobuf` (fact 8). */
  protobufResultTypes: readonly string[];
  /** 429: `"raise"` (0.4.1) or `"backoff-2^n"` (0.25.0: 1 s, 2 s, … then re-poll, fact 10). */
  on429: "raise" | "backoff-2^n";
  /** Bare 400s re-polled before raising (0.25.0: 3; the 4th raises, fact 10). */
  max400Repolls: number;
  /** Sleep before re-polling after a 402 (0.25.0: 5 s, fact 10); null: raise. */
  on402SleepMs: number | null;
  /** Per-poll read timeout. */
  readTimeoutMs: number;
  /**
   * The fields of a poll error's telemetry event: 0.4.1's, or 0.25.0's (`detail`, `kind`,
   * `exception_type`, `bad_request_retries`, `connection_error_retries`; ERROR for fatal statuses
   * and bare 400s; `proto_deserialization_error` for protobuf results that do not parse).
   */
  events: "0.4.1" | "0.25.0";
}

/** Splitting forward/forward_backward data into chunks. */
export interface ChunkPolicy {
  /** What a datum is measured in: 0.4.1 counts numbers, 0.25.0 estimated protobuf bytes (fact 11). */
  measure: "numbers" | "proto-bytes";
  /** Most datums per chunk (0.25.0: server flag `fwdbwd_max_chunk_len`). */
  maxChunkLen: number;
  /** Most measure units per chunk, inclusive (0.25.0: server flag `fwdbwd_max_chunk_bytes_count`). */
  maxChunkMeasure: number;
  /** Chunks 2..n at once, then chunk 1 (0.25.0 default, fact 12); false: one after another. */
  parallel: boolean;
  /** Whether the server may change the three values above (`client/config`). */
  serverSet: boolean;
  /** An empty batch is an error before anything is sent (0.25.0 "No data provided"); 0.4.1 sends nothing. */
  rejectEmpty: boolean;
}

/** The 0.25.0 handshake (fact 1–2). */
export interface HandshakePolicy {
  clientConfigPath: string;
  dynamicConfigPath: string;
  /** `x-stainless-read-timeout` of `dynamic_config`, seconds. */
  dynamicConfigReadTimeoutS: number;
  /** Lower bound of the re-fetch interval, seconds. */
  minRefreshIntervalS: number;
  /** Two lazy holders per ServiceClient: session-less (REST) and session (training/sampling). */
  lazyHolders: true;
}

/** JWT auth (fact 17–18). */
export interface AuthPolicy {
  /** Modes the generation can use; the first is the default. */
  modes: readonly AuthMode[];
  /** `POST` path of the JWT exchange; null when the generation has none. */
  tokenPath: string | null;
  /** Background refresh this long before `exp` (300 s). */
  refreshBeforeExpiryMs: number;
  /** Refresh before a request when at most this much is left (60 s). */
  refreshOnDemandWithinMs: number;
  /** Environment variable naming the credential command. */
  credentialCommandEnv: string | null;
}

/** What the RestClient sends by default (fact 22). */
export interface RestPolicy {
  /** `access_scope` sent by the run/session reads when the caller gives none; null: not sent (0.4.1). */
  readonly defaultAccessScope: "owned" | null;
  /** `Accept` values of the checkpoint archive GET (0.25.0 sends `application/json` twice, fact 22). */
  readonly archiveAccept: readonly string[];
}

/** Everything a protocol generation decides. */
export interface ProtocolGeneration {
  readonly name: ProtocolName;
  /** `sdk_version` in bodies, and the version the Python SDK's headers carry. */
  readonly sdkVersion: string;
  readonly jsonBodyRule: JsonBodyRule;
  /** Codec of each request body that is not JSON, and of each result type. */
  readonly codecs: {
    readonly forwardBackward: BodyCodec;
    readonly forward: BodyCodec;
    /** zstd for protobuf forward/backward bodies when the server sets `proto_compress_fwdbwd`. */
    readonly zstdWhenServerAsks: boolean;
    readonly results: Readonly<Record<"ForwardBackward" | "Forward" | "Sample", BodyCodec>>;
  };
  /** API paths that moved: `forward` goes to `/api/v1/forward_backward` in 0.25.0 (fact 5). */
  readonly paths: { readonly forward: string; readonly forwardBackward: string };
  readonly handshake: HandshakePolicy | null;
  readonly auth: AuthPolicy;
  readonly retry: {
    readonly requests: Readonly<Record<RequestKind, RequestRetryPolicy>>;
    readonly sdk: SdkRetryPolicy;
    readonly sample: SamplePolicy;
  };
  readonly poll: PollPolicy;
  readonly chunking: ChunkPolicy;
  /**
   * Whether the byte budgets of `client/config` apply: fwd/bwd and sample dispatch, in-flight
   * response bytes after a `complete_metadata` poll (0.25.0, facts 8 and 13).
   */
  readonly byteBudgets: boolean;
  /**
   * Whether telemetry is 0.25.0's (fact 23): batches carry `process_uuid`, session-less holders
   * report under `sessionless-<uuid>`, and fatal poll errors carry request/response headers.
   */
  readonly telemetryProcessUuid: boolean;
  readonly rest: RestPolicy;
  /**
   * How `createTrainingClientFromState` reads a checkpoint's settings: 0.4.1 GETs its training run
   * (and merges the run's metadata); 0.25.0 POSTs `weights_info` on the REST holder, may use another
   * account's key, and may create the model by `load_weights` alone (facts 20–21).
   */
  readonly fromStateLookup: "training_run" | "weights_info";
  /**
   * Whether `createTrainingClientFromState(WithOptimizer)` is itself a fatal-capture call (0.4.1:
   * its failure is logged and flushed at once). 0.25.0 does not wrap it: a failed `weights_info`
   * stays a queued warning of the session-less holder; the inner create/load calls still report.
   */
  readonly fromStateCaptured: boolean;
}

const http = (httpMaxRetries: number, sdkRetry: boolean, billingPause: boolean): RequestRetryPolicy => ({
  httpMaxRetries,
  sdkRetry,
  billingPause,
});

/** HTTP-layer retries of the Stainless client in both generations. */
const DEFAULT_HTTP_RETRIES = 10;

const V041_REQUESTS: Record<RequestKind, RequestRetryPolicy> = {
  client_config: http(0, false, false), // 0.4.1 has no handshake; listed so the table is total
  dynamic_config: http(0, false, false),
  auth_token: http(0, false, false),
  create_session: http(DEFAULT_HTTP_RETRIES, false, false),
  session_heartbeat: http(0, false, false), // max_retries=0 in 0.4.1 too
  create_model: http(DEFAULT_HTTP_RETRIES, true, false),
  create_sampling_session: http(DEFAULT_HTTP_RETRIES, true, false),
  forward_backward: http(DEFAULT_HTTP_RETRIES, true, false),
  forward: http(DEFAULT_HTTP_RETRIES, true, false),
  optim_step: http(DEFAULT_HTTP_RETRIES, true, false),
  save_weights: http(DEFAULT_HTTP_RETRIES, true, false),
  save_weights_for_sampler: http(DEFAULT_HTTP_RETRIES, true, false),
  load_weights: http(DEFAULT_HTTP_RETRIES, true, false),
  asample: http(0, true, false), // max_retries=0 in 0.4.1 too
  retrieve_future: http(0, false, false),
  get_info: http(DEFAULT_HTTP_RETRIES, true, false),
  rest: http(DEFAULT_HTTP_RETRIES, false, false),
  telemetry: http(DEFAULT_HTTP_RETRIES, false, false),
};

const V025_REQUESTS: Record<RequestKind, RequestRetryPolicy> = {
  // client/config goes with the original credential (fact 17).
  client_config: http(DEFAULT_HTTP_RETRIES, true, true), // inside execute_with_retries
  // No HTTP-layer retry; a 5xx is re-sent by execute_with_retries after 1 s (fact 2, 15).
  dynamic_config: http(0, true, false),
  auth_token: http(DEFAULT_HTTP_RETRIES, true, true),
  create_session: http(DEFAULT_HTTP_RETRIES, false, false), // sent directly by the holder
  session_heartbeat: http(0, false, false),
  create_model: http(DEFAULT_HTTP_RETRIES, true, true),
  create_sampling_session: http(DEFAULT_HTTP_RETRIES, true, true),
  forward_backward: http(DEFAULT_HTTP_RETRIES, true, true),
  forward: http(DEFAULT_HTTP_RETRIES, true, true),
  optim_step: http(DEFAULT_HTTP_RETRIES, true, true),
  save_weights: http(0, true, true),
  save_weights_for_sampler: http(0, true, true),
  load_weights: http(DEFAULT_HTTP_RETRIES, true, true),
  // asample: 429/402 re-sent by its own loop (SamplePolicy), 5xx by execute_with_retries; both
  // keep the seq_id (fact 14).
  asample: http(0, true, true),
  retrieve_future: http(0, false, false),
  // get_info: a 400 is not retried, 5xx as the HTTP layer does (retries:17).
  get_info: http(DEFAULT_HTTP_RETRIES, true, true),
  rest: http(DEFAULT_HTTP_RETRIES, true, true), // every RestClient method: execute_with_retries
  telemetry: http(DEFAULT_HTTP_RETRIES, false, false),
};

/** The generation of the Python SDK 0.4.1 (tinker-ts's default). */
export const GENERATION_0_4_1: ProtocolGeneration = Object.freeze<ProtocolGeneration>({
  name: "0.4.1",
  sdkVersion: "0.4.1",
  jsonBodyRule: "exclude_unset",
  codecs: {
    forwardBackward: "json",
    forward: "json",
    zstdWhenServerAsks: false,
    results: { ForwardBackward: "json", Forward: "json", Sample: "json" },
  },
  paths: { forward: "/api/v1/forward", forwardBackward: "/api/v1/forward_backward" },
  handshake: null,
  auth: {
    modes: ["api_key"],
    tokenPath: null,
    refreshBeforeExpiryMs: 0,
    refreshOnDemandWithinMs: 0,
    credentialCommandEnv: null,
  },
  retry: {
    requests: V041_REQUESTS,
    sdk: {
      initialDelayMs: 1_000,
      maxDelayMs: 30_000,
      maxWaitMs: 300_000,
      newIdempotencyKeyPerAttempt: true,
      billingPauseMs: null,
    },
    // 0.4.1: after a 429 on asample every sampling client of the holder waits 1 s, and each send
    // takes the next seq_id (the RetryHandler's own 0.5 s doubling back-off is RetryConfig's).
    sample: {
      resendKeepsSeqId: false,
      backoffMs: 1_000,
      largePromptBackoff: null,
      throttled: null,
      resampleOnExpiredFuture: true,
      serverSetsMaxConcurrent: false,
    },
  },
  poll: {
    allowMetadataOnly: false,
    protobufResultTypes: [],
    // tinker-ts deviates and re-polls a 429 with back-off (docs/parity.md); the oracle raises.
    on429: "raise",
    max400Repolls: 0,
    on402SleepMs: null,
    readTimeoutMs: 45_000,
    events: "0.4.1",
  },
  chunking: {
    measure: "numbers",
    maxChunkLen: 128,
    maxChunkMeasure: 500_000,
    parallel: false,
    serverSet: false,
    rejectEmpty: false,
  },
  byteBudgets: false,
  telemetryProcessUuid: false,
  rest: { defaultAccessScope: null, archiveAccept: ["application/json", "application/gzip"] },
  fromStateLookup: "training_run",
  fromStateCaptured: true,
});

/** The generation of the Python SDK 0.25.0 (d595dc2), as its golden transcripts show it. */
export const GENERATION_0_25_0: ProtocolGeneration = Object.freeze<ProtocolGeneration>({
  name: "0.25.0",
  sdkVersion: "0.25.0",
  jsonBodyRule: "exclude_none",
  codecs: {
    forwardBackward: "protobuf",
    forward: "protobuf",
    zstdWhenServerAsks: true,
    results: { ForwardBackward: "protobuf", Forward: "protobuf", Sample: "protobuf" },
  },
  paths: { forward: "/api/v1/forward_backward", forwardBackward: "/api/v1/forward_backward" },
  handshake: {
    clientConfigPath: "/api/v1/client/config",
    dynamicConfigPath: "/api/v1/client/dynamic_config",
    dynamicConfigReadTimeoutS: 10,
    minRefreshIntervalS: 10,
    lazyHolders: true,
  },
  auth: {
    modes: ["api_key", "jwt", "credential_cmd"],
    tokenPath: "/api/v1/auth/token",
    refreshBeforeExpiryMs: 300_000,
    refreshOnDemandWithinMs: 60_000,
    credentialCommandEnv: "TINKER_CREDENTIAL_CMD",
  },
  retry: {
    requests: V025_REQUESTS,
    sdk: {
      initialDelayMs: 1_000,
      maxDelayMs: 30_000,
      maxWaitMs: 300_000,
      newIdempotencyKeyPerAttempt: true,
      billingPauseMs: 5_000,
    },
    sample: {
      resendKeepsSeqId: true,
      backoffMs: 1_000,
      // sampling_client.py: `1 if estimated_bytes_count <= 128 * 1024 else 5`.
      largePromptBackoff: { overBytes: 128 * 1024, backoffMs: 5_000 },
      // internal_client_holder.py: `_sample_backoff_requested_recently` (now - until < 10 s) adds
      // the throttled semaphore (10) and multiplies the prompt's bytes by 20.
      throttled: { windowMs: 10_000, maxConcurrent: 10, bytesFactor: 20 },
      resampleOnExpiredFuture: true,
      serverSetsMaxConcurrent: true,
    },
  },
  poll: {
    allowMetadataOnly: true,
    protobufResultTypes: ["ForwardBackward", "Forward", "Sample"],
    on429: "backoff-2^n",
    max400Repolls: 3,
    on402SleepMs: 5_000,
    readTimeoutMs: 45_000,
    events: "0.25.0",
  },
  chunking: {
    measure: "proto-bytes",
    maxChunkLen: 1024,
    maxChunkMeasure: 5_000_000,
    parallel: true,
    serverSet: true,
    rejectEmpty: true,
  },
  byteBudgets: true,
  telemetryProcessUuid: true,
  rest: { defaultAccessScope: "owned", archiveAccept: ["application/json", "application/json"] },
  fromStateLookup: "weights_info",
  fromStateCaptured: false,
});

/** Every generation by name. */
export const GENERATIONS: Readonly<Record<ProtocolName, ProtocolGeneration>> = Object.freeze({
  "0.4.1": GENERATION_0_4_1,
  "0.25.0": GENERATION_0_25_0,
});

/** Environment variable that picks the generation when no option does. */
export const PROTOCOL_ENV = "TINKER_PROTOCOL";

/**
 * The generation for an option value or, failing that, `TINKER_PROTOCOL`; 0.4.1 when neither is
 * set. Throws on an unknown name (a typo must not silently fall back to the other wire).
 */
export function resolveGeneration(
  option?: ProtocolName | string | null,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ProtocolGeneration {
  const name = option ?? (env[PROTOCOL_ENV] || undefined) ?? "0.4.1";
  const g = GENERATIONS[name as ProtocolName];
  if (!g) {
    throw new RangeError(
      `unknown protocol generation ${JSON.stringify(name)}; expected one of ${Object.keys(GENERATIONS).join(", ")}`,
    );
  }
  return g;
}

/** A 0.25.0 chunk policy with the server's `client/config` flags applied (fact 11–12). */
export function chunkPolicyFromFlags(
  g: ProtocolGeneration,
  flags: {
    fwdbwd_max_chunk_len: number;
    fwdbwd_max_chunk_bytes_count: number;
    parallel_fwdbwd_chunks: boolean;
  },
): ChunkPolicy {
  if (!g.chunking.serverSet) return g.chunking;
  return {
    ...g.chunking,
    maxChunkLen: flags.fwdbwd_max_chunk_len,
    maxChunkMeasure: flags.fwdbwd_max_chunk_bytes_count,
    parallel: flags.parallel_fwdbwd_chunks,
  };
}

/** The path a training request kind is sent to in generation `g` (`forward` moved in 0.25.0). */
export function requestPath(g: ProtocolGeneration, kind: string): string {
  if (kind === "forward") return g.paths.forward;
  if (kind === "forward_backward") return g.paths.forwardBackward;
  return `/api/v1/${kind}`;
}

/**
 * The `maxRetries` a request of `kind` is sent with: 0 when the generation sends it with
 * `max_retries=0` (0.25.0: save_weights, save_weights_for_sampler, asample, dynamic_config,
 * heartbeats, polls; fact 15), else undefined — the client's (or the call's) setting.
 */
export function httpRetriesFor(g: ProtocolGeneration, kind: RequestKind): number | undefined {
  return g.retry.requests[kind].httpMaxRetries === 0 ? 0 : undefined;
}
