/**
 * The session holder shared by a ServiceClient and every client it creates (0.4.1's
 * InternalClientHolder): one Transport, the session id, the heartbeat, telemetry, the id
 * counters, the sampling dispatch limit and the shared sampling 429 back-off.
 */
import { type ClientOptions, type ResolvedConfig, resolveConfig } from "../core/config.js";
import { setMaxListeners } from "node:events";
import { runCall } from "../core/call-scope.js";
import { type CallDefaults, type RequestCallOptions, withCallOptions } from "../core/deadline.js";
import { createLogger, type Logger, type LogLevel, type SdkLogger } from "../core/logger.js";
import { unrefSleep } from "../lib/sleep.js";
import { APIUserAbortError } from "../errors/index.js";
import { type Deps, resolveDeps } from "../lib/deps.js";
import type { WireCodec } from "../types/codec.js";
import { codecsFor } from "../protocol/codecs.js";
import {
  type ProtocolGeneration,
  type ProtocolName,
  type RequestKind,
  resolveGeneration,
} from "../protocol/generation.js";
import type { BillingPause } from "../lib/billing-pause.js";
import { billingOption, createBillingPause } from "./billing-pause.js";
import type { ExecuteOptions } from "./retry.js";
import { Handshake } from "./handshake.js";
import { HolderAuth } from "./holder-auth.js";
import { type ClientClosedMessage, type ClientCreatedMessage, channels } from "../core/instrumentation.js";
import { Transport } from "../core/transport.js";
import type { FutureContext } from "../futures/index.js";
import { createTelemetry, type TelemetryReporter } from "../telemetry/index.js";
import { encodeCreateSessionRequest, encodeSessionHeartbeatRequest } from "../types/requests.js";
import { RESPONSES } from "../types/parse.js";
import { Semaphore } from "./semaphore.js";
import { BytesBudget } from "../lib/bytes-budget.js";

/** 0.25.0's byte budgets of one holder, sized by its `client/config` (facts 8 and 13). */
export interface ByteBudgets {
  /** Estimated bytes of forward/backward chunk submits in flight. */
  readonly fwdbwdDispatch: BytesBudget;
  /** Estimated prompt bytes of asample submits in flight. */
  readonly sampleDispatch: BytesBudget;
  /** Result bytes being fetched after `complete_metadata` polls. */
  readonly inflightResponse: BytesBudget;
}

/** Operations that share one child of the lifetime signal (see `SessionHolder.signal`). */
const SIGNAL_SHARE = 256;

/** Heartbeat period (0.4.1 SESSION_HEARTBEAT_PERIOD_SEC). */
export const HEARTBEAT_PERIOD_MS = 10_000;
/** Heartbeat failures are silent until this long since the last success. */
export const HEARTBEAT_WARNING_AFTER_MS = 120_000;
/** Sampling submissions in flight per holder. */
export const SAMPLE_DISPATCH_LIMIT = 400;

/** Options of {@link ServiceClient}: connection settings, session metadata and test hooks. */
export interface ServiceClientOptions extends ClientOptions {
  userMetadata?: Record<string, string>;
  /** Clock, sleep and randomness (tests pass a fake clock). @internal */
  deps?: Partial<Deps>;
  /**
   * The wire codec of the protocol generation spoken (default 0.4.1's JSON). @internal
   */
  codec?: WireCodec;
  /**
   * The protocol generation spoken: "0.4.1" (default; the wire of the Python SDK 0.4.1) or
   * "0.25.0" (client/config handshake, protobuf forward/backward, JWT auth). Default from
   * `TINKER_PROTOCOL`.
   */
  protocol?: ProtocolName;
  /** The project new sessions belong to (0.25.0 `project_id`; default `TINKER_PROJECT_ID`). */
  projectId?: string;
  /** Where create_session's info messages go (default console.info). */
  info?: (message: string) => void;
  /** Where heartbeat warnings go (default console.warn). */
  warn?: (message: string) => void;
  /** The environment read for TINKER_* settings (default process.env); the CLI passes its own. */
  env?: NodeJS.ProcessEnv;
  /**
   * Client-wide defaults of the per-call options: `timeout` bounds every call as a whole (ms;
   * default none, as 0.4.1), `maxRetries` every retry layer of each call, `headers` are added.
   */
  callOptions?: CallDefaults;
  /** Where SDK messages go (default stderr); see `logLevel`. */
  logger?: Logger;
  /** Least severe level logged (default `TINKER_LOG` as 0.4.1 reads it, else `warn`). */
  logLevel?: LogLevel;
}

/** Shared state behind one ServiceClient. Created by ServiceClient; not for direct use. */
export class SessionHolder {
  readonly config: ResolvedConfig;
  /** The environment the configuration was read from (tokenizer lookups read it too). */
  readonly env: NodeJS.ProcessEnv;
  readonly transport: Transport;
  readonly deps: Deps;
  /** How request bodies are encoded (types/codec.ts). */
  readonly codec: WireCodec;
  /** The protocol generation: what the clients, transport and poller ask. */
  readonly generation: ProtocolGeneration;
  /**
   * The handshakes of 0.25.0's two lazy holders: the session-less REST holder's and the session
   * holder's (fact 1). With 0.4.1 (no handshake) both resolve at once without I/O.
   */
  readonly restHandshake: Handshake;
  readonly sessionHandshake: Handshake;
  /** The credentials of the two holders (0.25.0: each exchanges its own JWT; facts 17–18). */
  readonly restAuth: HolderAuth;
  readonly sessionAuth: HolderAuth;
  readonly futureContext: FutureContext;
  /**
   * The billing pause of the session holder (0.25.0, fact 16): one window for every 402 of its
   * requests (submits, polls, sampling), as long as its `billing_exception_max_pause_duration_sec`;
   * undefined in 0.4.1.
   */
  readonly billing: BillingPause | undefined;
  /**
   * The session-less REST holder's own window, as in the SDK, where each `InternalClientHolder`
   * keeps its `_first_billing_exception_time`: its limit is the REST holder's `client/config`.
   */
  readonly restBilling: BillingPause | undefined;
  /** Holder-wide limit of sampling submissions in flight. */
  readonly sampleDispatch = new Semaphore(SAMPLE_DISPATCH_LIMIT);
  /**
   * 0.25.0's throttled limit: sampling submissions that start within the generation's
   * `throttled.windowMs` of a back-off also take one of these slots; undefined without throttling.
   */
  sampleThrottled: Semaphore | undefined;
  /** Until when (deps.now() ms) sampling submissions wait after a 429; undefined = no back-off. */
  sampleBackoffUntil: number | undefined;
  /** Heartbeat bookkeeping, visible for tests and diagnostics. */
  readonly heartbeat = { sent: 0, failed: 0, lastSuccess: 0, lastError: undefined as string | undefined };

  /** Client-wide defaults of the per-call options. */
  readonly callDefaults: CallDefaults | undefined;
  /** The SDK's logger (warnings on stderr by default). */
  readonly logger: SdkLogger;
  #session: Promise<string> | undefined;
  readonly #userMetadata: Record<string, string> | undefined;
  readonly #projectId: string | undefined;
  readonly #info: (message: string) => void;
  readonly #lifetime = new AbortController();
  readonly #warn: (message: string) => void;
  #modelSeq = 0;
  #budgets: ByteBudgets | undefined;
  #samplingSessionSeq = 0;
  #closed: Promise<void> | undefined;
  #sessionIdNow: string | undefined;
  #child: AbortSignal | undefined;
  #childUses = 0;
  readonly #loops: Promise<void>[] = [];
  #sessionTelemetry: TelemetryReporter | null = null;
  #restTelemetry: TelemetryReporter | null = null;
  #restTelemetryMade = false;
  /** Waits of background loops (heartbeat, telemetry): unref'd, so they never hold the process. */
  readonly #backgroundSleep: Deps["sleep"];

  constructor(options: ServiceClientOptions = {}) {
    // Background loops listen to the lifetime signal directly; keep Node from warning about them.
    setMaxListeners(0, this.#lifetime.signal);
    this.env = options.env ?? process.env;
    this.generation = resolveGeneration(options.protocol, this.env);
    const throttled = this.generation.retry.sample.throttled;
    this.sampleThrottled = throttled ? new Semaphore(throttled.maxConcurrent) : undefined;
    this.config = resolveConfig(options, this.env, this.generation.auth.credentialCommandEnv);
    this.deps = resolveDeps(options.deps);
    this.callDefaults = options.callOptions;
    this.logger = createLogger(options.logger, options.logLevel, this.env);
    this.#backgroundSleep = options.deps?.sleep ?? unrefSleep;
    this.#warn = options.warn ?? ((m) => console.warn(m));
    this.#info = options.info ?? ((m) => console.info(m));
    this.#userMetadata = options.userMetadata;
    this.#projectId = options.projectId ?? (this.env["TINKER_PROJECT_ID"] || undefined);
    this.transport = new Transport(this.config, this.deps, this.generation.sdkVersion);
    this.billing = createBillingPause(
      this.generation,
      this.deps,
      () => this.sessionHandshake.flags.billing_exception_max_pause_duration_sec,
      this.logger,
    );
    this.restBilling = createBillingPause(
      this.generation,
      this.deps,
      () => this.restHandshake.flags.billing_exception_max_pause_duration_sec,
      this.logger,
    );
    const handshakeDeps = {
      transport: this.transport,
      generation: this.generation,
      deps: this.deps,
      backgroundSleep: this.#backgroundSleep,
      signal: this.#lifetime.signal,
    };
    const authDeps = { ...handshakeDeps, apiKey: options.apiKey, env: this.env, logger: this.logger };
    this.restAuth = new HolderAuth({ ...authDeps, holder: "rest" });
    this.sessionAuth = new HolderAuth({ ...authDeps, holder: "session" });
    const withAuth = this.generation.auth.tokenPath !== null;
    if (withAuth) {
      this.transport.credential = (holder) =>
        (holder === "rest" ? this.restAuth : this.sessionAuth).credential();
    }
    // Only the session holder re-fetches dynamic_config (the SDK starts no refresh task without
    // a session).
    this.restHandshake = new Handshake({
      ...handshakeDeps,
      ...(this.restBilling ? { billing: this.restBilling } : {}),
      ...(withAuth ? { auth: this.restAuth } : {}),
      refresh: false,
      onReady: () => this.#makeRestTelemetry(),
    });
    this.sessionHandshake = new Handshake({
      ...handshakeDeps,
      ...(this.billing ? { billing: this.billing } : {}),
      ...(withAuth ? { auth: this.sessionAuth } : {}),
      refresh: true,
    });
    const codecs = codecsFor(this.generation, () => this.sessionHandshake.flags.proto_compress_fwdbwd);
    this.codec = options.codec ?? codecs.codec;
    this.futureContext = {
      transport: this.transport,
      deps: this.deps,
      codec: this.codec,
      signal: () => this.operationSignal(),
      telemetry: () => this.telemetry,
      poll: this.generation.poll,
      protobufResults: codecs.protobufResults,
      billing: this.billing,
      postMortemTelemetry: this.generation.telemetryProcessUuid,
      responseBytes: () => this.byteBudgets()?.inflightResponse,
    };
    // 0.4.1 creates the session in the constructor; a generation with lazy holders on first use.
    if (!this.generation.handshake?.lazyHolders) void this.sessionId();
  }

  /**
   * Waits until session-less calls (REST, server capabilities) may go out: 0.4.1 sends them on the
   * session, so it waits for the session; 0.25.0 builds the session-less holder (its handshake).
   */
  async restReady(): Promise<void> {
    if (this.generation.handshake?.lazyHolders) await this.restHandshake.ready();
    else await this.sessionId();
  }

  /**
   * The reporter of ServiceClient-level calls: the session's, else the session-less holder's
   * (0.25.0), as the SDK's `ServiceClient.get_telemetry`; null when disabled or not yet created.
   */
  get telemetry(): TelemetryReporter | null {
    return this.#sessionTelemetry ?? this.#restTelemetry;
  }

  /**
   * The reporter of session-less calls (REST, server capabilities): the session-less holder's own
   * with lazy holders (0.25.0: `sessionless-<uuid>`, no SESSION_START/END), else the session's.
   */
  get restTelemetry(): TelemetryReporter | null {
    return this.generation.handshake?.lazyHolders ? this.#restTelemetry : this.#sessionTelemetry;
  }

  // The session-less holder's reporter, made when its handshake is done (as the SDK makes it at
  // the end of the holder's construction), when the generation has session-less telemetry.
  #makeRestTelemetry(): void {
    if (this.#restTelemetryMade || this.closed || !this.generation.telemetryProcessUuid) return;
    this.#restTelemetryMade = true;
    this.#restTelemetry = this.#reporter(null);
  }

  /** A telemetry reporter of this holder: for `sessionId`, or session-less with null. */
  #reporter(sessionId: string | null): TelemetryReporter | null {
    return createTelemetry(
      this.config,
      this.transport,
      sessionId,
      this.codec,
      { ...this.deps, sleep: this.#backgroundSleep },
      this.generation,
    );
  }

  /**
   * A signal aborted when the holder is closed, for one operation. A method, not a getter: it may
   * create a new child signal (see below).
   */
  operationSignal(): AbortSignal {
    // Waits (back-offs, paced polls) add an abort listener to the signal they get, and Node's
    // EventTarget scans its listeners on each add, so thousands of waits on one shared signal would
    // cost O(n²). So the lifetime is handed out through child signals (AbortSignal.any links one to
    // the lifetime without a listener), a new child every SIGNAL_SHARE operations: short listener
    // lists, and few of these costly (~50 µs, GC-tracked) dependent signals. Requests and semaphore
    // waits listen once per signal (core/abort-relay.ts, clients/semaphore.ts), not once each.
    if (this.#child === undefined || ++this.#childUses >= SIGNAL_SHARE) {
      this.#child = AbortSignal.any([this.#lifetime.signal]);
      setMaxListeners(0, this.#child);
      this.#childUses = 0;
    }
    return this.#child;
  }

  /**
   * The byte budgets (0.25.0; undefined for a generation without them), made on first use from the
   * session handshake's flags, which every training or sampling call waits for.
   */
  byteBudgets(): ByteBudgets | undefined {
    if (!this.generation.byteBudgets) return undefined;
    if (this.#budgets === undefined) {
      const f = this.sessionHandshake.flags;
      this.#budgets = {
        fwdbwdDispatch: new BytesBudget(f.fwdbwd_dispatch_bytes_semaphore_size),
        sampleDispatch: new BytesBudget(f.sample_dispatch_bytes_semaphore_size),
        inflightResponse: new BytesBudget(f.inflight_response_bytes_semaphore_size),
      };
    }
    return this.#budgets;
  }

  /** Whether close() was called. */
  get closed(): boolean {
    return this.#lifetime.signal.aborted;
  }

  /** The session id (waits for create_session; rejects with its error). */
  sessionId(): Promise<string> {
    if (this.#session === undefined) {
      this.#session = this.#createSession(this.#userMetadata);
      // Nobody may await the session (e.g. a client only used for REST); never an unhandled rejection.
      this.#session.catch(() => {});
    }
    return this.#session;
  }

  /**
   * The `billing` option of `executeWithRetries` for a request of `kind` sent by `holder`: the
   * session holder's window ({@link billing}) or the REST holder's ({@link restBilling}).
   */
  billingFor(kind: RequestKind, holder: "session" | "rest" = "session"): ExecuteOptions["billing"] {
    return billingOption(this.generation, holder === "rest" ? this.restBilling : this.billing, kind);
  }

  /** Next training-client id (`model_seq_id`), allocated synchronously before any I/O. */
  nextModelSeqId(): number {
    return this.#modelSeq++;
  }

  /** Next `sampling_session_seq_id` (shared by create_sampling_session and ephemeral saves). */
  nextSamplingSessionSeqId(): number {
    return this.#samplingSessionSeq++;
  }

  async #createSession(userMetadata: Record<string, string> | undefined): Promise<string> {
    // 0.4.1 has no handshake: create_session leaves in the constructor's turn, as before.
    const handshake = this.sessionHandshake.pending();
    if (handshake) await handshake;
    const message = encodeCreateSessionRequest({
      tags: [...this.config.tags],
      user_metadata: userMetadata ?? {},
      sdk_version: this.generation.sdkVersion,
    });
    if (this.#projectId !== undefined) message.project_id = this.#projectId;
    const res = await this.transport.request({
      method: "POST",
      path: "/api/v1/create_session",
      body: this.codec.create_session.encode(message),
      pool: "session",
      signal: this.#lifetime.signal,
    });
    const created = RESPONSES.createSession(res.body);
    const sessionId = created.session_id;
    this.#sessionIdNow = sessionId;
    if (created.info_message) this.#info(created.info_message);
    if (created.warning_message) this.#warn(created.warning_message);
    if (created.error_message) this.#warn(created.error_message);
    this.heartbeat.lastSuccess = this.deps.now();
    this.announce({ client: "ServiceClient" });
    if (!this.closed) {
      this.#sessionTelemetry = this.#reporter(sessionId);
      this.#loops.push(this.#heartbeatLoop(sessionId));
    }
    return sessionId;
  }

  async #heartbeatLoop(sessionId: string): Promise<void> {
    const signal = this.#lifetime.signal;
    const body = this.codec.session_heartbeat.encode(encodeSessionHeartbeatRequest(sessionId));
    while (!signal.aborted) {
      try {
        await this.#backgroundSleep(HEARTBEAT_PERIOD_MS, signal);
      } catch {
        return;
      }
      if (signal.aborted) return;
      this.heartbeat.sent++;
      try {
        await this.transport.request({
          method: "POST",
          path: "/api/v1/session_heartbeat",
          body,
          pool: "session",
          maxRetries: 0,
          timeoutMs: 10_000,
          signal,
        });
        this.heartbeat.lastSuccess = this.deps.now();
        this.heartbeat.lastError = undefined;
      } catch (error) {
        if (signal.aborted) return;
        // Never drop the session: remember the failure and keep beating (0.4.1).
        this.heartbeat.failed++;
        this.heartbeat.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      const silentMs = this.deps.now() - this.heartbeat.lastSuccess;
      if (silentMs > HEARTBEAT_WARNING_AFTER_MS) {
        this.#warn(
          `Session heartbeat failed for ${silentMs / 1000} seconds for session ${sessionId}. ` +
            `Last exception: ${this.heartbeat.lastError ?? "None"}.\n` +
            "Your connection may be unreliable or Tinker is down. If this persists, the session will be terminated.",
        );
      }
    }
  }

  /**
   * Run a public operation the way 0.4.1's `capture_exceptions(fatal=True)` does: on failure log
   * the exception and SESSION_END, start a flush, rethrow. Unlike 0.4.1 the error is not held
   * back until telemetry is sent (docs/parity.md); `close()` delivers whatever is still queued.
   */
  capture<T>(name: string, fn: () => Promise<T>): Promise<T> {
    // With telemetry off there is nothing to log: no wrapper (it costs a promise per call).
    if (!this.config.telemetryEnabled) return runCall(name, fn);
    return runCall(name, async () => {
      try {
        return await fn();
      } catch (error) {
        this.reportFatal(error);
        throw error;
      }
    });
  }

  /**
   * A public call with per-call options: {@link capture} around the call's control
   * (core/deadline.ts). `fn` gets the call's signal (caller's signal + deadline, or undefined) and
   * starts synchronously.
   */
  call<T>(
    name: string,
    options: RequestCallOptions | undefined,
    fn: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    return this.capture(name, () => withCallOptions(name, options, this.callDefaults, this.deps, fn));
  }

  /**
   * The hook of a public future: a failure nobody awaited is reported as a warning naming the call
   * and its request id (a pipelined call that fails must never be silent).
   */
  unobserved(name: string): (error: unknown, requestId: string | undefined) => void {
    return (error, requestId) => {
      if (error instanceof APIUserAbortError) return;
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.logger.warn(
        `${name} failed and nobody awaited its future (request id ${requestId ?? "not assigned"}): ${what}`,
      );
    };
  }

  /** Publish `tinker-ts:client:created` for a client of this session. */
  announce(message: Omit<ClientCreatedMessage, "sessionId">): void {
    if (!channels.clientCreated.hasSubscribers) return;
    channels.clientCreated.publish({
      ...message,
      sessionId: this.#sessionIdNow,
    } satisfies ClientCreatedMessage);
  }

  /**
   * Log a fatal error (see {@link capture}) to `t` (default: the ServiceClient-level reporter;
   * RestClient passes {@link restTelemetry}, as the SDK's RestClient reports to its own holder); never throws.
   */
  reportFatal(error: unknown, t: TelemetryReporter | null = this.telemetry): void {
    if (!t || error instanceof APIUserAbortError) return;
    try {
      t.logFatalException(error);
    } catch {
      // telemetry must never disturb the caller
    }
  }

  /**
   * Stop the heartbeat, abort polling, send the queued telemetry with a SESSION_END (≤ 10 s;
   * 0.4.1 drops it) and close the connection pools. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#lifetime.abort(new APIUserAbortError("Client closed."));
      await Promise.allSettled([
        ...this.#loops,
        this.restHandshake.loop,
        this.sessionHandshake.loop,
        this.restAuth.close(),
        this.sessionAuth.close(),
      ]);
      await this.#session?.catch(() => undefined);
      await Promise.all([this.#sessionTelemetry?.close(), this.#restTelemetry?.close()]);
      await this.transport.close();
      channels.clientClosed.publish({
        client: "ServiceClient",
        sessionId: this.#sessionIdNow,
      } satisfies ClientClosedMessage);
    })();
    return this.#closed;
  }
}
