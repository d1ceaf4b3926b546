import { randomUUID } from "node:crypto";
import { arch, platform } from "node:os";
import { Agent, type Dispatcher } from "undici";
import {
  type APIError,
  APIConnectionError,
  APITimeoutError,
  BadResponseError,
  APIUserAbortError,
  abortedAfterSend,
  makeStatusError,
  ResponseTooLargeError,
} from "../errors/index.js";
import { type Deps, resolveDeps } from "../lib/deps.js";
import { pythonSeconds } from "../lib/python-float.js";
import { httpRetryDelayMs, shouldRetryResponse } from "../lib/retry-policy.js";
import type { WireBody } from "../types/codec.js";
import { DEFAULT_MAX_RESPONSE_BYTES, readBodyBytes, readBodyText } from "./body-limit.js";
import { acquireRelay } from "./abort-relay.js";
import { currentCall } from "./call-scope.js";
import { currentControl, notePhase } from "./deadline.js";
import type { ResolvedConfig } from "./config.js";
import {
  type HeaderList,
  headerValue,
  flattenHeaders,
  lowerKeys,
  redactedHeaders,
  setHeader,
} from "./header-list.js";
import { channels, type RequestMessageBase } from "./instrumentation.js";
import { SECRET_HEADERS, sendFollowingRedirects } from "./redirects.js";
import { decodeBody, isProtobufContentType, type RawResponse, statusText } from "./response-body.js";

/** SDK version reported in headers. */
export const SDK_VERSION = "0.4.1";

let nextAttemptId = 1;

/** Connection pools, one per purpose as in 0.4.1. */
export type PoolName = "session" | "train" | "sample" | "retrieve_promise" | "telemetry";

/**
 * Max connections per pool (null: no limit). 0.4.1's TRAIN pool lends each of its httpx clients to
 * one request at a time and opens another when all are busy, so training requests never wait for
 * each other's connection: the requests of one TrainingClient are ordered by its own sequencer, not
 * by the pool, and a second TrainingClient's call goes out while the first one's is unanswered.
 * undici does the same with no limit: one request per connection (no pipelining), idle ones reused.
 */
export const POOL_CONNECTIONS: Readonly<Record<PoolName, number | null>> = {
  session: 50,
  train: null,
  sample: 50,
  retrieve_promise: 50,
  telemetry: 50,
};

/** One logical API call (retried inside Transport.request). */
export interface RequestOptions {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path like "/api/v1/forward"; appended to the base URL's path, not percent-encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** The encoded body (see types/codec.ts); undefined = no body. */
  body?: WireBody;
  pool: PoolName;
  maxRetries?: number;
  /** Read timeout of each attempt; default the client's `timeout`. */
  timeoutMs?: number;
  /**
   * Whether 0.4.1 passes this call's timeout as a Python float, which `x-stainless-read-timeout`
   * then shows with a `.0` (telemetry's `5.0`); the SDK's other fixed timeouts are ints (`45`).
   */
  floatTimeout?: boolean;
  signal?: AbortSignal;
  /** Extra headers; a caller-given x-stainless-retry-count / x-idempotency-key wins. */
  headers?: Record<string, string | string[]>;
  /** Default true (httpx follow_redirects=True in 0.4.1). */
  followRedirects?: boolean;
  /**
   * Which of 0.25.0's two holders sends the request (default "session"): the session-less REST
   * holder and the session holder each hold their own JWT. Passed to `Transport.credential`.
   */
  holder?: CredentialHolder;
}

/** The holder a request belongs to, for its credential (see `RequestOptions.holder`). */
export type CredentialHolder = "rest" | "session";

/** Successful (2xx) response with parsed JSON body. */
export interface TransportResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** Platform headers describing Node (0.4.1 sends the Python equivalents). */
export function platformHeaders(sdkVersion: string = SDK_VERSION): Record<string, string> {
  return {
    "User-Agent": `TinkerTS/JS ${sdkVersion}`,
    "X-Stainless-Lang": "js",
    "X-Stainless-Package-Version": sdkVersion,
    "X-Stainless-OS": platform(),
    "X-Stainless-Arch": arch(),
    "X-Stainless-Runtime": "node",
    "X-Stainless-Runtime-Version": process.version,
    "X-Stainless-Async": "async:promise",
  };
}

type Attempt = ({ kind: "response" } & RawResponse) | { kind: "error"; error: APIError };

/** The HTTP layer: pools, headers, retries, timeouts, error mapping. */
export class Transport {
  readonly config: ResolvedConfig;
  private readonly deps: Deps;
  private readonly pools = new Map<string, Dispatcher>();

  // The base URL without trailing slashes, and its origin: parsed once, not per request.
  private readonly base: string;
  private readonly origin: string;

  /** The version the headers report (the protocol generation's, 0.4.1 by default). */
  private readonly sdkVersion: string;

  /**
   * Where the credential of each request comes from when it is not the configured API key (0.25.0:
   * a JWT from the token exchange, which may first be refreshed). Asked before every attempt, as
   * 0.25.0's auth hook runs for each send; undefined sends the API key. A caller-given
   * `x-api-key` header wins. Set by the session holder.
   */
  credential:
    | ((holder: CredentialHolder, path: string) => string | undefined | Promise<string | undefined>)
    | undefined;

  constructor(config: ResolvedConfig, deps: Partial<Deps> = {}, sdkVersion: string = SDK_VERSION) {
    this.config = config;
    this.sdkVersion = sdkVersion;
    this.base = config.baseUrl.replace(/\/+$/, "");
    this.origin = new URL(this.base).origin;
    this.deps = resolveDeps(deps);
  }

  private dispatcher(pool: PoolName): Dispatcher {
    let d = this.pools.get(pool);
    if (!d) {
      d = new Agent({ connections: POOL_CONNECTIONS[pool], connectTimeout: this.config.connectTimeoutMs });
      this.pools.set(pool, d);
    }
    return d;
  }

  /** Join base URL (keeping its path prefix) with the raw path and query. */
  buildUrl(path: string, query?: RequestOptions["query"]): string {
    let url = `${this.base}${path.startsWith("/") ? path : `/${path}`}`;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.append(k, String(v));
      const s = qs.toString();
      if (s) url += `?${s}`;
    }
    return url;
  }

  /** Perform a call with retries; resolves on 2xx with parsed JSON, else throws an APIError subclass. */
  async request<T = unknown>(opts: RequestOptions): Promise<TransportResponse<T>> {
    // Per-call options (core/deadline.ts): their headers win, their maxRetries replaces the client's.
    const control = currentControl();
    const maxRetries = opts.maxRetries ?? control?.maxRetries ?? this.config.maxRetries;
    const timeoutMs = opts.timeoutMs ?? this.config.timeoutMs;
    const url = this.buildUrl(opts.path, opts.query);
    const given = control?.headers === undefined ? opts.headers : { ...opts.headers, ...control.headers };
    const extra = given === undefined ? NO_HEADERS : lowerKeys(given);
    const credentialOf = extra["x-api-key"] === undefined ? this.credential : undefined;
    const idempotencyKey =
      opts.method !== "GET" && extra["x-idempotency-key"] === undefined
        ? `tinker-ts-retry-${randomUUID()}`
        : undefined;
    // The body was encoded once, by the caller's codec; every attempt sends the same bytes.
    const encodedBody = opts.body?.body;
    // Set once an attempt failed without an answer (reset, timeout): it may have been applied.
    let ambiguous = false;
    const aborted = () => (ambiguous ? abortedAfterSend() : new APIUserAbortError());
    for (let retries = 0; ; retries++) {
      if (opts.signal?.aborted) throw aborted();
      const credential = credentialOf && (await credentialOf(opts.holder ?? "session", opts.path));
      const attemptExtra = credential ? { ...extra, "x-api-key": credential } : extra;
      const headers = this.buildHeaders(opts, attemptExtra, retries, timeoutMs, idempotencyKey);
      // Messages are built only for subscribers: most processes have none.
      const attemptId = nextAttemptId++;
      if (channels.requestStart.hasSubscribers) {
        publishStart(this.message(opts, url, attemptId, retries), headers);
      }
      // Polls are named by the poller (with their request id), not here.
      if (control !== undefined && !opts.path.endsWith("/retrieve_future")) {
        notePhase(`waiting for ${opts.method} ${opts.path}${retries > 0 ? ` (HTTP retry ${retries})` : ""}`);
      }
      const started = this.deps.now();
      const result = await this.attempt(opts, url, headers, encodedBody, timeoutMs);
      const durationMs = this.deps.now() - started;
      const remaining = maxRetries - retries;
      if (result.kind === "error") {
        if (channels.requestError.hasSubscribers) {
          const base = this.message(opts, url, attemptId, retries);
          channels.requestError.publish({ ...base, durationMs, error: result.error });
        }
        if (
          result.error instanceof APIUserAbortError ||
          result.error instanceof ResponseTooLargeError ||
          remaining <= 0
        ) {
          throw result.error;
        }
        ambiguous = true;
        await this.backoff(opts, url, attemptId, retries, undefined, NO_HEADERS, aborted);
        continue;
      }
      if (channels.requestEnd.hasSubscribers) {
        const base = this.message(opts, url, attemptId, retries);
        channels.requestEnd.publish({ ...base, status: result.status, durationMs });
      }
      const body = decodeBody(result);
      if (result.status >= 200 && result.status < 300) {
        if (body instanceof BadResponseError) throw body;
        return { status: result.status, headers: result.headers, body: body as T };
      }
      const errBody = body instanceof BadResponseError ? result.text : body;
      if (remaining > 0 && shouldRetryResponse(result.status, result.headers)) {
        await this.backoff(opts, url, attemptId, retries, result.status, result.headers, aborted);
        continue;
      }
      // The request's headers go along (credentials redacted) for 0.25.0's post-mortem telemetry.
      throw makeStatusError(
        result.status,
        result.statusText,
        result.headers,
        errBody,
        redactedHeaders(headers, SECRET_HEADERS),
      );
    }
  }

  private message(opts: RequestOptions, url: string, attemptId: number, retries: number): RequestMessageBase {
    return {
      attemptId,
      callId: currentCall()?.id,
      method: opts.method,
      path: opts.path,
      url,
      pool: opts.pool,
      attempt: retries,
    };
  }

  private async backoff(
    opts: RequestOptions,
    url: string,
    attemptId: number,
    retries: number,
    status: number | undefined,
    headers: Record<string, string>,
    aborted: () => APIUserAbortError,
  ): Promise<void> {
    const delayMs = httpRetryDelayMs(retries, headers, this.deps.now(), this.deps.random);
    if (channels.requestRetry.hasSubscribers) {
      channels.requestRetry.publish({ ...this.message(opts, url, attemptId, retries), status, delayMs });
    }
    notePhase(
      `backing off ${delayMs} ms after ${status ?? "a connection error"} on ${opts.method} ${opts.path} (HTTP retry ${retries + 1})`,
    );
    try {
      await this.deps.sleep(delayMs, opts.signal);
    } catch (err) {
      if (opts.signal?.aborted) throw aborted();
      throw err;
    }
    if (opts.signal?.aborted) throw aborted();
  }

  // The headers every request carries, built once per client (with and without a JSON body).
  private readonly fixedHeaders: Array<HeaderList | undefined> = [undefined, undefined];
  private staticHeaders(withJsonBody: boolean): HeaderList {
    const i = withJsonBody ? 1 : 0;
    const cached = this.fixedHeaders[i];
    if (cached) return cached;
    const h: Record<string, string> = { accept: "application/json", "accept-encoding": "gzip, deflate" };
    if (withJsonBody) h["content-type"] = JSON_TYPE;
    for (const [k, v] of Object.entries(platformHeaders(this.sdkVersion))) h[k.toLowerCase()] = v;
    // Empty when 0.25.0's credential command is the only source: every request then gets one.
    if (this.config.apiKey !== "") h["x-api-key"] = this.config.apiKey;
    for (const [k, v] of Object.entries(this.config.defaultHeaders)) h[k.toLowerCase()] = v;
    const list = Object.entries(h).flat();
    this.fixedHeaders[i] = list;
    return list;
  }

  private buildHeaders(
    opts: RequestOptions,
    extra: Record<string, string | string[]>,
    retries: number,
    timeoutMs: number,
    idempotencyKey: string | undefined,
  ): HeaderList {
    const contentType = opts.body?.contentType;
    const fixed = this.staticHeaders(contentType === JSON_TYPE);
    // Per-call headers win over every other; without any, the fixed list is copied as it is.
    let h: HeaderList;
    if (extra === NO_HEADERS) {
      h = fixed.slice();
    } else {
      h = [];
      for (let i = 0; i < fixed.length; i += 2) {
        const name = fixed[i] as string;
        if (extra[name] === undefined) h.push(name, fixed[i + 1] as string);
      }
    }
    if (contentType !== undefined && contentType !== JSON_TYPE && extra["content-type"] === undefined) {
      h.push("content-type", contentType);
    }
    const contentEncoding = opts.body?.contentEncoding;
    if (contentEncoding !== undefined && extra["content-encoding"] === undefined) {
      h.push("content-encoding", contentEncoding);
    }
    if (idempotencyKey) h.push("x-idempotency-key", idempotencyKey);
    if (extra["x-stainless-retry-count"] === undefined) h.push("x-stainless-retry-count", String(retries));
    if (extra["x-stainless-read-timeout"] === undefined) {
      h.push(
        "x-stainless-read-timeout",
        opts.timeoutMs === undefined
          ? this.config.readTimeoutHeader
          : pythonSeconds(timeoutMs, opts.floatTimeout === true),
      );
    }
    for (const name in extra) {
      const v = extra[name] as string | string[];
      h.push(name, Array.isArray(v) ? v.join(", ") : v);
    }
    return h;
  }

  private async attempt(
    opts: RequestOptions,
    url: string,
    headers: HeaderList,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
  ): Promise<Attempt> {
    // Long timeouts (the 60 s default, 45 s polls) are read timeouts, as httpx's in 0.4.1: how long
    // the server may take to send the headers, then each part of the body — on undici's own timers,
    // far cheaper than a timer and an AbortController per attempt, but only accurate to ~1 s. Short
    // timeouts get an exact timer on the whole attempt instead.
    const exact = timeoutMs < PRECISE_TIMEOUT_BELOW_MS ? new AbortController() : undefined;
    let timedOut = false;
    const timer = exact
      ? setTimeout(() => {
          timedOut = true;
          exact.abort();
        }, timeoutMs)
      : undefined;
    // undici listens to the signal of every request: a relay makes that cheap (core/abort-relay.ts).
    const relay = !exact && opts.signal ? acquireRelay(opts.signal) : undefined;
    const signal =
      relay?.asEmitter() ??
      (exact && opts.signal ? AbortSignal.any([exact.signal, opts.signal]) : (exact?.signal ?? opts.signal));
    // Whether the request may have reached the server (dispatch began): an abort then may have landed.
    let sent = false;
    try {
      sent = true;
      const res = await sendFollowingRedirects(this.dispatcher(opts.pool), this.origin, {
        method: opts.method,
        url,
        headers,
        body,
        signal,
        readTimeoutMs: exact ? 0 : timeoutMs,
        followRedirects: opts.followRedirects ?? true,
      });
      const resHeaders = flattenHeaders(res.headers);
      const limit = this.config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      if (isProtobufContentType(resHeaders["content-type"])) {
        const bytes = await readBodyBytes(res.body, resHeaders, res.statusCode, limit);
        return {
          kind: "response",
          status: res.statusCode,
          statusText: statusText(res.statusCode),
          headers: resHeaders,
          text: "",
          bytes,
        };
      }
      const text = await readBodyText(res.body, resHeaders, res.statusCode, limit);
      return {
        kind: "response",
        status: res.statusCode,
        statusText: statusText(res.statusCode),
        headers: resHeaders,
        text,
      };
    } catch (err) {
      if (err instanceof ResponseTooLargeError) return { kind: "error", error: err };
      // Once the request went out, the server may have acted on it: the abort error says so.
      if (opts.signal?.aborted) {
        return { kind: "error", error: sent ? abortedAfterSend() : new APIUserAbortError() };
      }
      if (timedOut || isTimeout(err)) return { kind: "error", error: new APITimeoutError(undefined, err) };
      return { kind: "error", error: new APIConnectionError(undefined, err) };
    } finally {
      if (timer) clearTimeout(timer);
      relay?.release();
    }
  }

  /** What `util.inspect` shows: never the key, which the cached header lists carry. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Transport { baseUrl: ${JSON.stringify(this.base)}, pools: [${[...this.pools.keys()].join(", ")}] }`;
  }

  /** Close every pool. */
  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((d) => d.close()));
  }
}

/** Timeouts shorter than this get an exact per-attempt timer (undici's are accurate to ~1 s). */
const PRECISE_TIMEOUT_BELOW_MS = 5_000;

const JSON_TYPE = "application/json";

/**
 * Publish `tinker-ts:request:start` with the headers minus credentials; headers a subscriber adds
 * (e.g. `traceparent`) are copied onto the real request.
 */
function publishStart(base: RequestMessageBase, headers: HeaderList): void {
  const visible: Record<string, string> = {};
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (!SECRET_HEADERS.has(name)) visible[name] = headers[i + 1] as string;
  }
  channels.requestStart.publish({ ...base, headers: visible });
  for (const [k, v] of Object.entries(visible)) {
    const name = k.toLowerCase();
    if (!SECRET_HEADERS.has(name) && headerValue(headers, name) !== v) setHeader(headers, name, v);
  }
}

const NO_HEADERS: Record<string, string> = {};

const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

function isTimeout(err: unknown): boolean {
  return TIMEOUT_CODES.has((err as { code?: unknown } | null)?.code as string);
}
