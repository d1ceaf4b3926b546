/**
 * Optional OpenTelemetry bridge: turns tinker-ts's diagnostics_channel events into spans — one per
 * public SDK call, one per HTTP attempt nested under it — and puts a W3C `traceparent` on each
 * attempt so the server can join the trace. `@opentelemetry/api` is loaded only when this is
 * enabled, so users without OpenTelemetry pay nothing.
 */
// Type-only: erased from the emitted JavaScript, and kept out of the public declarations (the
// exported types below are structural) so users without OpenTelemetry still type-check.
import type { Attributes, Span, Tracer } from "@opentelemetry/api";
import { TinkerError } from "../errors/index.js";
import {
  type CallEndMessage,
  type CallStartMessage,
  CHANNELS,
  type RequestEndMessage,
  type RequestErrorMessage,
  type RequestStartMessage,
} from "../core/instrumentation.js";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { VERSION } from "../version.js";

/** An OpenTelemetry `Tracer` (any `@opentelemetry/api` 1.x tracer fits). */
export interface TracerLike {
  /** Creates a span (OpenTelemetry `Tracer.startSpan`). */
  startSpan(name: string, options?: object, context?: object): object;
}

/** An OpenTelemetry `TracerProvider`. */
export interface TracerProviderLike {
  /** Returns a tracer (OpenTelemetry `TracerProvider.getTracer`). */
  getTracer(name: string, version?: string): TracerLike;
}

/** Options of {@link enableOpenTelemetry}. */
export interface OpenTelemetryOptions {
  /** Tracer to use; default: `tracerProvider` (or the global provider)'s tracer "tinker-ts". */
  tracer?: TracerLike;
  /** Provider to take the tracer from when `tracer` is not given. */
  tracerProvider?: TracerProviderLike;
  /** Add `traceparent` (and `tracestate`) to requests (default true). */
  propagate?: boolean;
}

/** Returned by {@link enableOpenTelemetry}. */
export interface OpenTelemetryHandle {
  /** Stop creating spans; spans still open are ended. */
  disable(): void;
}

type OtelApi = typeof import("@opentelemetry/api");

async function loadApi(): Promise<OtelApi> {
  try {
    return await import("@opentelemetry/api");
  } catch (error) {
    throw new TinkerError(
      "enableOpenTelemetry() needs the optional peer dependency @opentelemetry/api: npm install @opentelemetry/api",
      "TINKER_OTEL_MISSING",
      { cause: error },
    );
  }
}

// Path segments after these collection names are ids; span names keep the route, not the id.
const ID_COLLECTIONS = new Set(["training_runs", "checkpoints", "samplers", "sessions", "models"]);

/** `/api/v1/training_runs/run-1/checkpoints/weights/0001` → `/api/v1/training_runs/{id}/checkpoints/{id}`. */
export function routeTemplate(path: string): string {
  const segments = path.split("/");
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string;
    out.push(seg);
    if (ID_COLLECTIONS.has(seg) && i + 1 < segments.length) {
      out.push("{id}");
      // A checkpoint id is "weights/0001" or "sampler_weights/…": one id of two segments.
      i += seg === "checkpoints" && i + 2 < segments.length ? 2 : 1;
    }
  }
  return out.join("/");
}

/** W3C trace-context header value for a span. */
export function traceparentOf(ctx: { traceId: string; spanId: string; traceFlags: number }): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${(ctx.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/**
 * Start emitting spans for every tinker-ts client in this process. Resolves to a handle whose
 * `disable()` stops it. Rejects with a TinkerError when `@opentelemetry/api` is not installed.
 */
export async function enableOpenTelemetry(options: OpenTelemetryOptions = {}): Promise<OpenTelemetryHandle> {
  const api = await loadApi();
  const tracer = (options.tracer ??
    (options.tracerProvider ?? api.trace).getTracer("tinker-ts", VERSION)) as Tracer;
  const propagate = options.propagate ?? true;
  const calls = new Map<number, Span>();
  const attempts = new Map<number, Span>();

  const fail = (span: Span, error: Error | undefined, type: string, message?: string) => {
    if (error) span.recordException(error);
    span.setAttribute("error.type", type);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: message ?? error?.message });
  };

  const onCallStart = (m: unknown) => {
    const { callId, name } = m as CallStartMessage;
    const span = tracer.startSpan(name, { kind: api.SpanKind.INTERNAL, attributes: { "tinker.call": name } });
    calls.set(callId, span);
  };
  const onCallEnd = (m: unknown) => {
    const { callId, error } = m as CallEndMessage;
    const span = calls.get(callId);
    if (!span) return;
    calls.delete(callId);
    if (error) fail(span, error, error.constructor?.name || error.name);
    span.end();
  };
  const onRequestStart = (m: unknown) => {
    const msg = m as RequestStartMessage;
    const url = new URL(msg.url);
    const attributes: Attributes = {
      "http.request.method": msg.method,
      "url.full": msg.url,
      "url.path": msg.path,
      "server.address": url.hostname,
      "server.port": Number(url.port || (url.protocol === "https:" ? 443 : 80)),
      "tinker.pool": msg.pool,
    };
    if (msg.attempt > 0) attributes["http.request.resend_count"] = msg.attempt;
    const call = msg.callId === undefined ? undefined : calls.get(msg.callId);
    const parent = call ? api.trace.setSpan(api.context.active(), call) : api.context.active();
    const span = tracer.startSpan(
      `${msg.method} ${routeTemplate(msg.path)}`,
      { kind: api.SpanKind.CLIENT, attributes },
      parent,
    );
    attempts.set(msg.attemptId, span);
    const sc = span.spanContext();
    if (propagate && api.isSpanContextValid(sc)) {
      msg.headers["traceparent"] = traceparentOf(sc);
      const state = sc.traceState?.serialize();
      if (state) msg.headers["tracestate"] = state;
    }
  };
  const onRequestEnd = (m: unknown) => {
    const msg = m as RequestEndMessage;
    const span = attempts.get(msg.attemptId);
    if (!span) return;
    attempts.delete(msg.attemptId);
    span.setAttribute("http.response.status_code", msg.status);
    if (msg.status >= 400) fail(span, undefined, String(msg.status), `HTTP ${msg.status}`);
    span.end();
  };
  const onRequestError = (m: unknown) => {
    const msg = m as RequestErrorMessage;
    const span = attempts.get(msg.attemptId);
    if (!span) return;
    attempts.delete(msg.attemptId);
    fail(span, msg.error, msg.error.constructor?.name || msg.error.name);
    span.end();
  };

  const handlers: Array<[string, (m: unknown) => void]> = [
    [CHANNELS.callStart, onCallStart],
    [CHANNELS.callEnd, onCallEnd],
    [CHANNELS.requestStart, onRequestStart],
    [CHANNELS.requestEnd, onRequestEnd],
    [CHANNELS.requestError, onRequestError],
  ];
  for (const [name, fn] of handlers) subscribe(name, fn);
  let enabled = true;
  return {
    disable() {
      if (!enabled) return;
      enabled = false;
      for (const [name, fn] of handlers) unsubscribe(name, fn);
      for (const span of [...attempts.values(), ...calls.values()]) span.end();
      attempts.clear();
      calls.clear();
    },
  };
}
