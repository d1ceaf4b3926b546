import { exceptionFields, isUserError } from "../errors/classify.js";
import {
  abortedAfterSend,
  FutureExpiredError,
  FutureRetrieveError,
  RequestFailedError,
} from "../errors/index.js";
import type { RequestOptions, TransportResponse } from "../core/transport.js";
import { channels } from "../core/instrumentation.js";
import { notePhase } from "../core/deadline.js";
import { type Deps, resolveDeps } from "../lib/deps.js";
import { retrySleepMs } from "../lib/backoff.js";
import { pythonFloatRepr } from "../lib/python-float.js";
import {
  classifyPollAnswer,
  type PollAnswer,
  pollConnectionDelayMs,
  pollStatusIsRetried,
} from "../lib/retry-policy.js";
import { JSON_CODEC, type WireCodec } from "../types/codec.js";
import { parseQueueState, type QueueState, type Severity } from "../types/enums.js";
import type { UntypedAPIFuture } from "../types/responses.js";
import { APIFuture } from "./api-future.js";
import { pollErrorEvent025 } from "./poll-events.js";
import type {
  FutureCompletedMessage,
  FutureFailedMessage,
  FutureQueueStateMessage,
  FutureSubmittedMessage,
} from "./events.js";
import type { QueueStateObserver } from "./queue-state.js";
import { ProtobufBody } from "../core/response-body.js";
import { APIStatusError } from "../errors/index.js";
import type { PollPolicy } from "../protocol/generation.js";
import type { BillingPause } from "../lib/billing-pause.js";
import type { BytesBudget } from "../lib/bytes-budget.js";

/** Per-poll timeout (0.4.1 passes timeout=45 to retrieve_future). */
export const RETRIEVE_FUTURE_TIMEOUT_MS = 45_000;

/** The slice of `Transport` polling needs (lets tests pass a fake). */
export interface FutureTransport {
  request<R = unknown>(opts: RequestOptions): Promise<TransportResponse<R>>;
}

/**
 * Tuning of the pause between polls when the server answers a pending poll instantly.
 * 0.4.1 re-polls at once after 408 / 5xx / try_again, which spins when the server does not hold the
 * poll open. tinker-ts deviates (docs/parity.md): a pending answer that came back in under
 * `instantThresholdMs` is followed by a sleep of `initialDelayMs`, doubling per consecutive
 * instant answer up to `maxDelayMs`; a held (slow) answer resets the streak and re-polls at once.
 */
export interface PollPacing {
  instantThresholdMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Default pacing: 10 ms doubling to 1 s after answers faster than 100 ms. */
export const DEFAULT_POLL_PACING: PollPacing = {
  instantThresholdMs: 100,
  initialDelayMs: 10,
  maxDelayMs: 1_000,
};

/** Shared per-client context for polling futures. */
export interface FutureContext {
  transport: FutureTransport;
  deps?: Partial<Deps>;
  /** How the retrieve_future body is encoded (default 0.4.1's JSON). */
  codec?: WireCodec;
  /** Client lifetime: when aborted (client closed), polling stops with `APIUserAbortError`. */
  signal?: () => AbortSignal | undefined;
  pacing?: Partial<PollPacing>;
  /** Where poll failures are logged as 0.4.1's `APIFuture.result_async.*` telemetry events. */
  telemetry?: () => FutureTelemetry | null | undefined;
  /** The generation's poll policy (default 0.4.1's: JSON results, 429 backed off, 400 raised). */
  poll?: PollPolicy;
  /** Decoders of results that arrive as protobuf, by request type (0.25.0). */
  protobufResults?: Readonly<Record<string, (bytes: Uint8Array) => unknown>>;
  /** The holder's billing pause: how long a 402 is re-polled (0.25.0; absent: as long as it comes). */
  billing?: BillingPause;
  /**
   * 0.25.0 (fact 23): the event of a poll error with no plain retry (a fatal status or a bare 400)
   * carries `response_headers`, `request_headers` (credentials redacted) and `response_body`.
   */
  postMortemTelemetry?: boolean;
  /**
   * The in-flight response-byte budget (0.25.0): after `complete_metadata` the poller reserves
   * `response_payload_size` bytes from it and holds them until the future's result is read (fact 8).
   */
  responseBytes?: () => BytesBudget | undefined;
}

/** Response headers that may hold credentials, redacted in post-mortem events. */
const SECRET_RESPONSE_HEADERS = new Set(["set-cookie"]);

/**
 * What 0.25.0 adds to a poll error's event for post-mortems: not for the statuses it simply
 * re-polls (408, 410, 429, 5xx), only for fatal ones and the bare 400.
 */
function postMortemFields(error: APIStatusError): Record<string, unknown> {
  const s = error.status;
  if (s === 408 || s === 410 || s === 429 || s >= 500) return {};
  const response: Record<string, string> = {};
  for (const [k, v] of Object.entries(error.headers)) {
    response[k] = SECRET_RESPONSE_HEADERS.has(k.toLowerCase()) ? "<redacted>" : v;
  }
  const out: Record<string, unknown> = { response_headers: response };
  if (error.requestHeaders !== undefined) out["request_headers"] = { ...error.requestHeaders };
  if (error.body !== undefined && error.body !== null) out["response_body"] = error.body;
  return out;
}

/** The slice of the telemetry reporter polling logs to. */
export interface FutureTelemetry {
  logGenericEvent(name: string, data: Record<string, unknown>, severity: Severity): unknown;
}

/** What is being awaited and how to read its result. */
export interface PollingSpec<T> {
  /** Value of X-Tinker-Request-Type, e.g. "ForwardBackward", "OptimStep", "Sample", "CreateModel". */
  requestType: string;
  /** Turn the completed result body into T; throw (e.g. ValidationError) if it is malformed. */
  parse(body: unknown): T;
  /** Called with the queue state of every 408 body that has one (0.4.1 observer semantics). */
  onQueueState?: QueueStateObserver;
  /** Aborts this one operation (submit or polling) with `APIUserAbortError`. */
  signal?: AbortSignal;
}

/** Delay after the n-th consecutive instant pending answer (n from 0). */
export function instantPollDelayMs(streak: number, pacing: PollPacing = DEFAULT_POLL_PACING): number {
  return Math.min(pacing.initialDelayMs * 2 ** streak, pacing.maxDelayMs);
}

/**
 * Submit an operation and poll `/api/v1/retrieve_future` until its typed result.
 * `submit` performs the POST (e.g. /api/v1/forward_backward, with the caller's own ordering and
 * retries) and returns the `{request_id}` body. Both start immediately, as in 0.4.1.
 */
export function pollingFuture<T>(
  ctx: FutureContext,
  submit: () => Promise<UntypedAPIFuture>,
  spec: PollingSpec<T>,
): APIFuture<T> {
  const deps = resolveDeps(ctx.deps);
  let requestId: string | undefined;
  const run = async (): Promise<T> => {
    const started = deps.now();
    const untyped = await submit();
    requestId = untyped.request_id;
    const roundtripMs = deps.now() - started;
    if (channels.futureSubmitted.hasSubscribers)
      channels.futureSubmitted.publish({
        requestId,
        requestType: spec.requestType,
        roundtripMs,
      } satisfies FutureSubmittedMessage);
    const held: Array<() => void> = [];
    try {
      return await pollUntilDone(ctx, deps, requestId, roundtripMs, spec, held);
    } finally {
      for (const release of held) release();
    }
  };
  const promise = run();
  const startedAt = deps.now();
  promise.catch((error: unknown) => {
    // Polling publishes its own failures; this covers a failed submit.
    if (requestId === undefined) {
      if (channels.futureFailed.hasSubscribers)
        channels.futureFailed.publish({
          requestId,
          requestType: spec.requestType,
          polls: 0,
          durationMs: deps.now() - startedAt,
          error: asError(error),
        } satisfies FutureFailedMessage);
    }
  });
  return new APIFuture(promise, { requestId: () => requestId, deps });
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function combineSignals(a?: AbortSignal, b?: AbortSignal): AbortSignal | undefined {
  if (a && b) return AbortSignal.any([a, b]);
  return a ?? b;
}

async function pollUntilDone<T>(
  ctx: FutureContext,
  deps: Deps,
  requestId: string,
  roundtripMs: number,
  spec: PollingSpec<T>,
  held: Array<() => void>,
): Promise<T> {
  const pacing = { ...DEFAULT_POLL_PACING, ...ctx.pacing };
  const signal = combineSignals(ctx.signal?.(), spec.signal);
  const policy = ctx.poll;
  const codec = ctx.codec ?? JSON_CODEC;
  const metadataBody = (allow: boolean) =>
    codec.retrieve_future.encode({ request_id: requestId, allow_metadata_only: allow });
  let body = policy?.allowMetadataOnly
    ? metadataBody(true)
    : codec.retrieve_future.encode({ request_id: requestId });
  const acceptProtobuf = policy?.protobufResultTypes.includes(spec.requestType) === true;
  const decodeProtobuf = ctx.protobufResults?.[spec.requestType];
  let badRequests = 0;
  const startedAt = deps.now();
  let connectionErrors = 0;
  let rateLimited = 0;
  // 0.25.0's events: its `connection_error_retries` counts 429s and connection errors in a row and
  // is the exponent of both back-offs; any answer that is not one of them resets it.
  const events025 = policy?.events === "0.25.0";
  let backoffStreak = 0;
  let instantStreak = 0;
  let lastQueueState: QueueState | undefined;
  let polls = 0;
  const fail = (error: unknown): never => {
    if (channels.futureFailed.hasSubscribers)
      channels.futureFailed.publish({
        requestId,
        requestType: spec.requestType,
        polls,
        durationMs: deps.now() - startedAt,
        error: asError(error),
      } satisfies FutureFailedMessage);
    throw error;
  };
  const reportQueueState = (raw: unknown, reason: string | undefined) => {
    // 0.4.1 ignores a falsy queue_state and maps anything unrecognised to "unknown".
    if (!raw) return;
    const state = parseQueueState(raw);
    if (state !== lastQueueState) {
      if (channels.futureQueueState.hasSubscribers)
        channels.futureQueueState.publish({
          requestId,
          requestType: spec.requestType,
          queueState: state,
          previous: lastQueueState,
          raw: String(raw),
        } satisfies FutureQueueStateMessage);
      lastQueueState = state;
    }
    spec.onQueueState?.(state, reason);
  };
  // 0.4.1 logs every failed poll; the event names and fields follow api_future_impl.py.
  const log = (kind: string, iteration: number, data: Record<string, unknown>, severity: Severity) =>
    ctx.telemetry?.()?.logGenericEvent(
      `APIFuture.result_async.${kind}`,
      {
        request_id: requestId,
        request_type: spec.requestType,
        ...data,
        iteration,
        elapsed_time: (deps.now() - startedAt) / 1000,
      },
      severity,
    );
  const pause = async (ms: number) => {
    try {
      await deps.sleep(ms, signal);
    } catch (error) {
      fail(signal?.aborted === true ? abortedAfterSend(requestId) : error);
    }
  };
  const pacePending = async (pollStartedAt: number) => {
    if (deps.now() - pollStartedAt >= pacing.instantThresholdMs) {
      instantStreak = 0;
      return;
    }
    await pause(instantPollDelayMs(instantStreak, pacing));
    instantStreak++;
  };

  for (let iteration = 0; ; iteration++) {
    if (signal?.aborted === true) fail(abortedAfterSend(requestId));
    // Lower-case names, as the transport sends them, so it need not copy the object.
    const headers: Record<string, string> = {
      "x-tinker-request-iteration": String(iteration),
      "x-tinker-request-type": spec.requestType,
      "x-stainless-raw-response": "raw",
    };
    if (acceptProtobuf) headers["accept"] = "application/x-protobuf";
    if (iteration === 0) {
      headers["x-tinker-create-promise-roundtrip-time"] = pythonFloatRepr(roundtripMs / 1000);
    }
    const pollStartedAt = deps.now();
    polls++;
    notePhase(`polling request ${requestId} (${spec.requestType}, poll ${polls})`);
    let answer: PollAnswer;
    try {
      const response = await ctx.transport.request({
        method: "POST",
        path: "/api/v1/retrieve_future",
        body,
        pool: "retrieve_promise",
        timeoutMs: RETRIEVE_FUTURE_TIMEOUT_MS,
        maxRetries: 0,
        headers,
        signal,
      });
      answer = { body: response.body };
    } catch (error) {
      answer = { error };
    }
    const outcome = classifyPollAnswer(answer, signal?.aborted === true);
    switch (outcome.kind) {
      case "aborted":
        // The future was accepted: the call may well have been applied (see abortedAfterSend).
        return fail(abortedAfterSend(requestId));
      case "pending":
      case "rate_limited":
      case "expired":
      case "final_status": {
        const error = outcome.error;
        if (
          error?.status === 402 &&
          policy !== undefined &&
          policy.on402SleepMs !== null &&
          (ctx.billing?.shouldPause(402, error.message) ?? true)
        ) {
          // 0.25.0: paused for billing — re-poll after a pause, without telemetry, while the
          // holder's window lasts; after it the 402 fails below (facts 10, 16).
          notePhase(`paused for billing while polling request ${requestId} (${spec.requestType})`);
          await pause(policy.on402SleepMs);
          continue;
        }
        const postMortem =
          ctx.postMortemTelemetry && error instanceof APIStatusError ? postMortemFields(error) : {};
        if (error && events025) {
          const counters = { badRequestRetries: badRequests, connectionErrorRetries: backoffStreak };
          const ev = pollErrorEvent025(error, error.status ?? 0, counters, postMortem);
          log("api_status_error", iteration, ev.data, ev.severity);
          if (outcome.kind !== "rate_limited") backoffStreak = 0;
          // A 408 that carries a body is a real round trip: the bare-400 budget starts again.
          if (error.status === 408 && error.body !== null && typeof error.body === "object") badRequests = 0;
        } else if (error) {
          connectionErrors = 0;
          const shouldRetry = pollStatusIsRetried(error.status);
          const userError = isUserError(error);
          log(
            "api_status_error",
            iteration,
            {
              status_code: error.status,
              exception: error.message,
              should_retry: shouldRetry,
              is_user_error: userError,
              ...postMortem,
            },
            shouldRetry || userError ? "WARNING" : "ERROR",
          );
        } else {
          backoffStreak = 0;
        }
        if (outcome.kind === "expired") return fail(new FutureExpiredError(requestId, outcome.error));
        if (outcome.kind === "final_status" && policy && error instanceof APIStatusError) {
          // 0.25.0: a bare 400 is re-polled a few times (fact 10).
          if (error.status === 400 && badRequests < policy.max400Repolls) {
            badRequests++;
            continue;
          }
        }
        if (outcome.kind === "final_status") {
          return fail(new FutureRetrieveError(requestId, spec.requestType, outcome.error));
        }
        if (outcome.kind === "rate_limited") {
          // A deviation from 0.4.1, which gives up on a rate-limited poll and so loses a result the
          // server already computed (docs/parity.md).
          notePhase(`backing off after 429 while polling request ${requestId} (${spec.requestType})`);
          const n = rateLimited++;
          if (policy?.on429 === "backoff-2^n") {
            // 0.25.0: min(2^n, 30) s, n shared with connection errors (see backoffStreak).
            await pause(1000 * Math.min(2 ** (events025 ? backoffStreak : n), 30));
            backoffStreak++;
          } else {
            await pause(retrySleepMs(n, outcome.error.headers, deps.now(), deps.random));
          }
          continue;
        }
        // 0.4.1 feeds only a 408 body's queue_state to the observer, not try_again's.
        reportQueueState(outcome.queueState, outcome.queueStateReason);
        await pacePending(pollStartedAt);
        continue;
      }
      case "connection":
        if (events025) {
          const counters = { badRequestRetries: badRequests, connectionErrorRetries: backoffStreak };
          const ev = pollErrorEvent025(outcome.error, 0, counters, {});
          log("connection_error", iteration, ev.data, ev.severity);
        } else {
          log(
            "connection_error",
            iteration,
            { exception: outcome.error.message, connection_error_retries: connectionErrors },
            "WARNING",
          );
        }
        // Includes the 45 s per-poll timeout. Not reset by success bodies in 0.4.1; in 0.25.0 it is.
        notePhase(
          `backing off after a connection error while polling request ${requestId} (${spec.requestType})`,
        );
        await pause(pollConnectionDelayMs(events025 ? backoffStreak : connectionErrors));
        connectionErrors++;
        backoffStreak++;
        continue;
      case "unexpected":
        return fail(outcome.error);
      case "failed": {
        backoffStreak = 0;
        const userError = outcome.category === "user";
        log(
          "application_error",
          iteration,
          {
            error: outcome.message,
            // 0.4.1 sends the enum member's name: "User", "Server", "Unknown".
            error_category: outcome.category[0]!.toUpperCase() + outcome.category.slice(1),
            is_user_error: userError,
          },
          userError ? "WARNING" : "ERROR",
        );
        return fail(
          new RequestFailedError(
            `Request failed: ${String(outcome.message)} for request_id=${requestId} (${spec.requestType})`,
            outcome.category,
            requestId,
          ),
        );
      }
      case "result": {
        backoffStreak = 0;
        const rb = outcome.body as { status?: unknown; response_payload_size?: unknown } | null;
        if (
          policy?.allowMetadataOnly &&
          rb !== null &&
          typeof rb === "object" &&
          rb.status === "complete_metadata"
        ) {
          // The result is ready but large: reserve its size, then ask for it in full (fact 8).
          body = metadataBody(false);
          const budget = ctx.responseBytes?.();
          if (budget !== undefined) {
            const size = typeof rb.response_payload_size === "number" ? rb.response_payload_size : 0;
            try {
              held.push(await budget.acquire(size, signal));
            } catch (error) {
              fail(signal?.aborted === true ? abortedAfterSend(requestId) : error);
            }
          }
          continue;
        }
        // 0.25.0 only accepts these types as protobuf (fact 9), and raises without an event.
        if (decodeProtobuf && !(outcome.body instanceof ProtobufBody))
          return fail(new TypeError(`${spec.requestType} only supports results as protobuf`));
        let result: T;
        try {
          if (outcome.body instanceof ProtobufBody) {
            if (!decodeProtobuf) throw new TypeError(`unexpected protobuf result for ${spec.requestType}`);
            result = decodeProtobuf(outcome.body.bytes) as T;
          } else {
            result = spec.parse(outcome.body);
          }
        } catch (error) {
          if (events025 && outcome.body instanceof ProtobufBody) {
            const { exception, exception_type } = exceptionFields(error);
            const fields = { exception, exception_type, proto_bytes_len: outcome.body.bytes.byteLength };
            log(
              "proto_deserialization_error",
              iteration,
              { ...fields, model_cls: spec.requestType },
              "ERROR",
            );
          } else {
            log(
              "validation_error",
              iteration,
              { ...exceptionFields(error), model_cls: spec.requestType },
              "ERROR",
            );
          }
          return fail(error);
        }
        if (channels.futureCompleted.hasSubscribers)
          channels.futureCompleted.publish({
            requestId,
            requestType: spec.requestType,
            polls,
            durationMs: deps.now() - startedAt,
          } satisfies FutureCompletedMessage);
        return result;
      }
    }
  }
}
