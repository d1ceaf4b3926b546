import { randomUUID } from "node:crypto";
import type { EventEmitter } from "node:events";
import { arch, platform } from "node:os";
import { Agent, type Dispatcher } from "undici";
import type { ResolvedConfig } from "./config.js";
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  abortedAfterSend,
  makeStatusError,
  ResponseTooLargeError,
} from "./errors.js";
import { DEFAULT_MAX_RESPONSE_BYTES, readBodyText } from "./body-limit.js";
import { currentCall } from "./call-scope.js";
import { acquireRelay } from "./abort-relay.js";
import {
  flattenHeaders,
  type HeaderList,
  headerValue,
  lowerKeys,
  setHeader,
  withoutHeaders,
} from "./header-list.js";
import { sleep } from "../lib/sleep.js";
import { channels, type RequestMessageBase } from "./instrumentation.js";
import { splitUrl } from "./url.js";
import { parseRetryAfterMs, retryDelayMs, shouldRetryResponse } from "./retry.js";

/** SDK version reported in headers. */
export const SDK_VERSION = "0.4.1";

let nextAttemptId = 1;

/** Connection pools, one per purpose as in 0.4.1. */
export type PoolName = "session" | "train" | "sample" | "retrieve_promise" | "telemetry";

/** Max connections per pool; train allows one request in flight per client as 0.4.1. */
export const POOL_CONNECTIONS: Readonly<Record<PoolName, number>> = {
  session: 50,
  train: 1,
  sample: 50,
  retrieve_promise: 50,
  telemetry: 50,
};

/** One logical API call (retried inside Transport.request). */
export interface RequestOptions {
  method: "GET" | "POST" | "DELETE";
  /** Path like "/api/v1/forward"; appended to the base URL's path, not percent-encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** JSON value; undefined = no body. */
  body?: unknown;
  pool: PoolName;
  maxRetries?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra headers; a caller-given x-stainless-retry-count / x-idempotency-key wins. */
  headers?: Record<string, string | string[]>;
  /** Default true (httpx follow_redirects=True in 0.4.1). */
  followRedirects?: boolean;
}

/** Successful (2xx) response with parsed JSON body. */
export interface TransportResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** Injectable clock/sleep/random so tests run without real waits. */
export interface TransportDeps {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
}

/** Platform headers describing Node (0.4.1 sends the Python equivalents). */
export function platformHeaders(): Record<string, string> {
  return {
    "User-Agent": `TinkerTS/JS ${SDK_VERSION}`,
    "X-Stainless-Lang": "js",
    "X-Stainless-Package-Version": SDK_VERSION,
    "X-Stainless-OS": platform(),
    "X-Stainless-Arch": arch(),
    "X-Stainless-Runtime": "node",
    "X-Stainless-Runtime-Version": process.version,
    "X-Stainless-Async": "async:promise",
  };
}

/** Format ms as Python str() of seconds: 60000 → "60", 5000.5 → "5.0005". */
function formatSeconds(ms: number): string {
  return String(ms / 1000);
}

type Attempt =
  | { kind: "response"; status: number; statusText: string; headers: Record<string, string>; text: string }
  | { kind: "error"; error: APIError };

/** The HTTP layer: pools, headers, retries, timeouts, error mapping. */
export class Transport {
  readonly config: ResolvedConfig;
  private readonly deps: TransportDeps;
  private readonly pools = new Map<string, Dispatcher>();

  // The base URL without trailing slashes, and its origin: parsed once, not per request.
  private readonly base: string;
  private readonly origin: string;

  constructor(config: ResolvedConfig, deps: Partial<TransportDeps> = {}) {
    this.config = config;
    this.base = config.baseUrl.replace(/\/+$/, "");
    this.origin = new URL(this.base).origin;
    this.deps = {
      now: deps.now ?? Date.now,
      sleep: deps.sleep ?? sleep,
      random: deps.random ?? Math.random,
    };
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
    const maxRetries = opts.maxRetries ?? this.config.maxRetries;
    const timeoutMs = opts.timeoutMs ?? this.config.timeoutMs;
    const url = this.buildUrl(opts.path, opts.query);
    const extra = opts.headers === undefined ? NO_HEADERS : lowerKeys(opts.headers);
    const idempotencyKey =
      opts.method !== "GET" && extra["x-idempotency-key"] === undefined
        ? `tinker-ts-retry-${randomUUID()}`
        : undefined;
    // Encoded once for every attempt; a body that cannot be encoded fails here, before anything is sent.
    const encodedBody = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    // Set once an attempt failed without an answer (reset, timeout): it may have been applied.
    let ambiguous = false;
    const aborted = () => (ambiguous ? abortedAfterSend() : new APIUserAbortError());
    for (let retries = 0; ; retries++) {
      if (opts.signal?.aborted) throw aborted();
      const headers = this.buildHeaders(opts, extra, retries, timeoutMs, idempotencyKey);
      // Messages are built only for subscribers: most processes have none.
      const attemptId = nextAttemptId++;
      if (channels.requestStart.hasSubscribers) {
        publishStart(this.message(opts, url, attemptId, retries), headers);
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
      const body = parseBody(result);
      if (result.status >= 200 && result.status < 300) {
        if (body instanceof APIError) throw body;
        return { status: result.status, headers: result.headers, body: body as T };
      }
      const errBody = body instanceof APIError ? result.text : body;
      if (remaining > 0 && shouldRetryResponse(result.status, result.headers)) {
        await this.backoff(opts, url, attemptId, retries, result.status, result.headers, aborted);
        continue;
      }
      throw makeStatusError(result.status, result.statusText, result.headers, errBody);
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
    const delayMs = parseRetryAfterMs(headers, this.deps.now()) ?? retryDelayMs(retries, this.deps.random);
    if (channels.requestRetry.hasSubscribers) {
      channels.requestRetry.publish({ ...this.message(opts, url, attemptId, retries), status, delayMs });
    }
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
  private staticHeaders(withBody: boolean): HeaderList {
    const i = withBody ? 1 : 0;
    const cached = this.fixedHeaders[i];
    if (cached) return cached;
    const h: Record<string, string> = { accept: "application/json", "accept-encoding": "gzip, deflate" };
    if (withBody) h["content-type"] = "application/json";
    for (const [k, v] of Object.entries(platformHeaders())) h[k.toLowerCase()] = v;
    h["x-api-key"] = this.config.apiKey;
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
    const fixed = this.staticHeaders(opts.body !== undefined);
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
    if (idempotencyKey) h.push("x-idempotency-key", idempotencyKey);
    if (extra["x-stainless-retry-count"] === undefined) h.push("x-stainless-retry-count", String(retries));
    if (extra["x-stainless-read-timeout"] === undefined) {
      h.push("x-stainless-read-timeout", formatSeconds(timeoutMs));
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
    body: string | undefined,
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
      const res = await this.send(opts, url, headers, body, signal, exact ? 0 : timeoutMs);
      const resHeaders = flattenHeaders(res.headers);
      const limit = this.config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
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

  /**
   * One HTTP exchange, following redirects as httpx does (0.4.1 follows them on every request) unless
   * `followRedirects` is false: 303, and 301/302 after a POST, continue as a bodyless GET; 307/308
   * keep the method and body; at most 20 hops. Credentials are not sent to another origin. Done here
   * rather than with undici's redirect interceptor, which cost a fifth of the throughput of every
   * request that never redirects.
   */
  private async send(
    opts: RequestOptions,
    url: string,
    headers: HeaderList,
    encodedBody: string | undefined,
    signal: AbortSignal | EventEmitter | undefined,
    readTimeoutMs: number,
  ): Promise<Dispatcher.ResponseData> {
    let method: string = opts.method;
    let body = encodedBody;
    let target = url;
    let sendHeaders = headers;
    for (let hops = 0; ; hops++) {
      // The dispatcher's own request(): undici's top-level request() re-parses the URL every time,
      // which cost a fifth of the client's CPU per request.
      const { origin, path } = splitUrl(target, this.origin);
      const res = await this.dispatcher(opts.pool).request({
        origin,
        path,
        method: method as Dispatcher.HttpMethod,
        headers: sendHeaders,
        body,
        signal,
        headersTimeout: readTimeoutMs,
        bodyTimeout: readTimeoutMs,
      });
      const location = res.headers.location;
      if (!(opts.followRedirects ?? true) || !REDIRECTS.has(res.statusCode) || typeof location !== "string") {
        return res;
      }
      await res.body.dump();
      if (hops >= MAX_REDIRECTS)
        throw new APIConnectionError(`Too many redirects (more than ${MAX_REDIRECTS})`);
      const next = new URL(location, target);
      if (
        res.statusCode === 303 ||
        ((res.statusCode === 301 || res.statusCode === 302) && method === "POST")
      ) {
        method = "GET";
        body = undefined;
        sendHeaders = withoutHeaders(sendHeaders, CONTENT_TYPE);
      }
      if (next.origin !== new URL(target).origin) {
        sendHeaders = withoutHeaders(sendHeaders, SECRET_HEADERS);
      }
      target = next.href;
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

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** Headers that carry credentials: never shown to instrumentation subscribers. */
const SECRET_HEADERS = new Set(["x-api-key", "authorization", "cf-access-client-secret"]);
const CONTENT_TYPE = new Set(["content-type"]);

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

/** Parse JSON; a bad body or non-JSON content-type yields a typed APIError, never SyntaxError. */
function parseBody(r: Extract<Attempt, { kind: "response" }>): unknown {
  const text = r.text;
  if (text === "") return null;
  const ct = r.headers["content-type"] ?? "";
  if (ct && !ct.includes("json")) {
    if (r.status >= 200 && r.status < 300) {
      return new APIError(`Unexpected content-type ${ct} (status ${r.status})`, {
        status: r.status,
        headers: r.headers,
        body: text,
        code: "TINKER_BAD_RESPONSE",
      });
    }
    return text;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    if (r.status >= 200 && r.status < 300) {
      return new APIError(`Invalid JSON in response (status ${r.status})`, {
        status: r.status,
        headers: r.headers,
        body: text,
        code: "TINKER_BAD_RESPONSE",
        cause,
      });
    }
    return text;
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? "Error";
}
