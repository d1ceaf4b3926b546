/**
 * The OpenTelemetry bridge with a real SDK tracer and an in-memory exporter: a span per public call,
 * a CLIENT span per HTTP attempt nested under it, semantic-convention attributes, the traceparent
 * the server receives, error status on failures, and nothing once disabled.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
} from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadRequestError } from "../../src/errors/index.js";
import { enableOpenTelemetry, type OpenTelemetryHandle } from "../../src/index.js";
import { routeTemplate, traceparentOf } from "../../src/telemetry/otel.js";
import { type FakeApi, startFakeApi, tinyDatum } from "../clients/fake-api.js";

/** Minimal AsyncLocalStorage context manager, so a user's active span is seen across awaits. */
class AlsContextManager implements ContextManager {
  readonly #als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.#als.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#als.disable();
    return this;
  }
}

let api: FakeApi;
let exporter: InMemorySpanExporter;
let provider: BasicTracerProvider;
let otel: OpenTelemetryHandle | undefined;

beforeEach(async () => {
  api = await startFakeApi();
  exporter = new InMemorySpanExporter();
  provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AlsContextManager());
});

afterEach(async () => {
  otel?.disable();
  otel = undefined;
  await api.close();
  context.disable();
  await provider.shutdown();
});

const spans = () => exporter.getFinishedSpans();
const named = (name: string) => spans().filter((s) => s.name === name);

describe("enableOpenTelemetry", () => {
  it("nests HTTP attempt spans under the call span, under the user's active span", async () => {
    otel = await enableOpenTelemetry({ tracerProvider: provider });
    const service = api.service();
    const training = await service.createLoraTrainingClient("base");
    const tracer = provider.getTracer("test");
    await tracer.startActiveSpan("user step", async (userSpan) => {
      await training.forwardBackward([tinyDatum()], "cross_entropy");
      userSpan.end();
    });
    const [user] = named("user step");
    const [call] = named("TrainingClient.forwardBackward");
    expect(call?.parentSpanContext?.spanId).toBe(user?.spanContext().spanId);
    expect(call?.kind).toBe(SpanKind.INTERNAL);
    const children = spans().filter((s) => s.parentSpanContext?.spanId === call?.spanContext().spanId);
    expect(children.map((s) => s.name).sort()).toEqual([
      "POST /api/v1/forward_backward",
      "POST /api/v1/retrieve_future",
    ]);
    const submit = children.find((s) => s.name === "POST /api/v1/forward_backward");
    expect(submit?.kind).toBe(SpanKind.CLIENT);
    expect(submit?.attributes).toMatchObject({
      "http.request.method": "POST",
      "url.path": "/api/v1/forward_backward",
      "url.full": `${api.server.url}/api/v1/forward_backward`,
      "server.address": "127.0.0.1",
      "http.response.status_code": 200,
      "tinker.pool": "train",
    });
    // The server got the attempt span's own context as traceparent.
    const req = api.server.requests.find((r) => r.path === "/api/v1/forward_backward");
    expect(req?.headers["traceparent"]).toBe(traceparentOf(submit!.spanContext()));
    expect(submit?.spanContext().traceId).toBe(user?.spanContext().traceId);
  });

  it("marks failed attempts and calls as errors and records resend counts", async () => {
    otel = await enableOpenTelemetry({ tracerProvider: provider });
    const service = api.service({ maxRetries: 1, deps: api.clock.deps });
    await service.sessionId();
    api.server.script(
      "GET /api/v1/get_server_capabilities",
      { status: 500, body: { detail: "flaky" }, headers: { "x-should-retry": "true" } },
      { status: 400, body: { detail: "bad" } },
    );
    await expect(service.getServerCapabilities()).rejects.toBeInstanceOf(BadRequestError);
    const attempts = named("GET /api/v1/get_server_capabilities");
    expect(attempts.map((s) => s.attributes["http.response.status_code"])).toEqual([500, 400]);
    expect(attempts.map((s) => s.attributes["http.request.resend_count"])).toEqual([undefined, 1]);
    expect(attempts.every((s) => s.status.code === SpanStatusCode.ERROR)).toBe(true);
    const [call] = named("ServiceClient.getServerCapabilities");
    expect(call?.status.code).toBe(SpanStatusCode.ERROR);
    expect(call?.attributes["error.type"]).toBe("BadRequestError");
    expect(call?.events.map((e) => e.name)).toContain("exception");
  });

  it("never puts the API key in a span", async () => {
    otel = await enableOpenTelemetry({ tracerProvider: provider });
    const service = api.service({ apiKey: "tml-SPAN-SECRET-42" });
    await service.getServerCapabilities();
    expect(JSON.stringify(spans().map((s) => [s.name, s.attributes, s.events]))).not.toContain("SPAN-SECRET");
  });

  it("sends no traceparent with propagate: false, and nothing at all once disabled", async () => {
    otel = await enableOpenTelemetry({ tracerProvider: provider, propagate: false });
    const service = api.service();
    await service.getServerCapabilities();
    expect(api.server.requests.every((r) => r.headers["traceparent"] === undefined)).toBe(true);
    const before = spans().length;
    expect(before).toBeGreaterThan(0);
    otel.disable();
    await service.getServerCapabilities();
    expect(spans()).toHaveLength(before);
  });

  it("without a registered provider (no-op tracer) sends no traceparent", async () => {
    otel = await enableOpenTelemetry();
    const service = api.service();
    await service.getServerCapabilities();
    expect(api.server.requests.some((r) => r.headers["traceparent"] !== undefined)).toBe(false);
  });
});

describe("routeTemplate", () => {
  it.each([
    ["/api/v1/forward_backward", "/api/v1/forward_backward"],
    ["/api/v1/training_runs/run-1", "/api/v1/training_runs/{id}"],
    ["/api/v1/training_runs/run-1/checkpoints", "/api/v1/training_runs/{id}/checkpoints"],
    [
      "/api/v1/training_runs/run-1/checkpoints/weights/0001/publish",
      "/api/v1/training_runs/{id}/checkpoints/{id}/publish",
    ],
    ["/api/v1/samplers/ss-1", "/api/v1/samplers/{id}"],
  ])("%s → %s", (path, template) => {
    expect(routeTemplate(path)).toBe(template);
  });
});
