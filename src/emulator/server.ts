/**
 * The emulator's HTTP server: request log, API key check, fault injection, routing, lifecycle.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArchiveTickets } from "./archive.js";
import type { EngineFactory } from "./engine.js";
import { type FaultAction, FaultInjector, type FaultRule, type RandomFaults } from "./faults.js";
import { FuturesStore } from "./futures-store.js";
import { HttpError, sendJson } from "./http-util.js";
import { createTinyEngine } from "./model/index.js";
import { type LoggedRequest, RequestLog } from "./request-log.js";
import { Router } from "./router.js";
import type { EmulatorState } from "./routes/context.js";
import { futureRoutes } from "./routes/futures.js";
import { modelRoutes } from "./routes/models.js";
import { restRoutes } from "./routes/rest.js";
import { samplingRoutes } from "./routes/sampling.js";
import { sessionRoutes } from "./routes/session.js";
import { trainingRoutes } from "./routes/training.js";
import { Store } from "./store.js";
import {
  type EmulatorV025Options,
  jwtProblem,
  readRequestBody,
  V025Controls,
  v025Routes,
} from "./v0_25/index.js";

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /** Port to bind (default 0: an ephemeral port). */
  readonly port?: number;
  /** Host to bind (default 127.0.0.1). */
  readonly host?: string;
  /** When set, only this API key is accepted; otherwise any non-empty key. */
  readonly apiKey?: string;
  /** Where checkpoints are stored (default: a fresh temporary directory, removed on close). */
  readonly dataDir?: string;
  /** The model engine (default: the tiny model, `createTinyEngine()`). */
  readonly engine?: EngineFactory;
  /** How long `retrieve_future` holds a pending poll (default 25 000 ms). */
  readonly pollHoldMs?: number;
  /** How a poll still pending after the hold is answered (default `try_again`; both are 0.4.1 wire forms). */
  readonly pendingResponse?: "try_again" | "408";
  /** How long finished results stay retrievable before 410 (default 10 minutes). */
  readonly resultTtlMs?: number;
  /** Scripted faults. */
  readonly faults?: readonly FaultRule[];
  /** Random faults at a seeded rate. */
  readonly randomFaults?: RandomFaults;
  /** Seed of the random-fault PRNG (default 1). */
  readonly seed?: number;
  /** Clock for expiry (default `Date.now`); tests inject one. */
  readonly now?: () => number;
  /** The 0.25.0 side: client/config flags, dynamic_config, JWT lifetimes, metadata-only results. */
  readonly v025?: EmulatorV025Options;
}

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:PORT` — pass as the client's base URL. */
  readonly url: string;
  readonly port: number;
  /** Every request seen, and the seq-id violations. */
  readonly log: RequestLog;
  /** Add scripted or random faults at any time. */
  readonly faults: FaultInjector;
  /** The state behind the routes (sessions, models, checkpoints) and the futures queue. */
  readonly state: EmulatorState;
  readonly dataDir: string;
  /** 0.25.0 settings, changeable while running (flags, JWT expiry faults). */
  readonly v025: V025Controls;
  /** Stops the server: pending long-polls end, all sockets close, a temporary data dir is removed. */
  close(): Promise<void>;
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

const sleep = (ms: number, timers: Set<NodeJS.Timeout>) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });

/** Starts an emulator; resolves once it is listening. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const now = opts.now ?? Date.now;
  const ownDataDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "tinker-emulator-"));
  const faults = new FaultInjector(opts.faults ?? [], opts.seed ?? 1);
  if (opts.randomFaults) faults.setRandom(opts.randomFaults);
  let baseUrl = "";
  const state: EmulatorState = {
    store: new Store(opts.engine ?? createTinyEngine(), dataDir, now),
    futures: new FuturesStore({ resultTtlMs: opts.resultTtlMs ?? 600_000, now }),
    log: new RequestLog(),
    faults,
    archives: new ArchiveTickets(now),
    pollHoldMs: opts.pollHoldMs ?? 25_000,
    pendingResponse: opts.pendingResponse ?? "try_again",
    telemetry: [],
    baseUrl: () => baseUrl,
  };
  const v025 = new V025Controls(opts.v025, now);
  const router = new Router();
  v025Routes(router, state, v025); // first: protobuf bodies and results, then the 0.4.1 handlers
  sessionRoutes(router, state);
  modelRoutes(router, state);
  trainingRoutes(router, state);
  samplingRoutes(router, state);
  futureRoutes(router, state);
  restRoutes(router, state);
  const timers = new Set<NodeJS.Timeout>();

  /** Answers a request with an injected fault; returns false when the request should proceed. */
  const applyFault = async (
    action: FaultAction,
    res: ServerResponse,
    body: unknown,
    entry: LoggedRequest,
  ): Promise<boolean> => {
    const r = action.rule;
    if (r.delayMs) await sleep(r.delayMs, timers);
    entry.fault = action.random ? "random" : "scripted";
    if (r.reset) {
      res.socket?.destroy();
      return true;
    }
    const requestId = (body as { request_id?: unknown } | undefined)?.request_id;
    if (r.tryAgain) {
      entry.status = 200;
      sendJson(res, 200, { type: "try_again", request_id: requestId, queue_state: r.tryAgain.queueState });
      return true;
    }
    if (r.failFuture) {
      entry.status = 200;
      sendJson(res, 200, {
        error: r.failFuture.error ?? "injected failure",
        category: r.failFuture.category,
      });
      return true;
    }
    if (r.status === undefined) {
      entry.fault = undefined;
      return false;
    }
    const headers: Record<string, string> = { ...r.headers };
    if (r.retryAfterMs !== undefined) headers["retry-after-ms"] = String(r.retryAfterMs);
    if (r.shouldRetry !== undefined) headers["x-should-retry"] = String(r.shouldRetry);
    entry.status = r.status;
    sendJson(res, r.status, r.body ?? { detail: "injected fault" }, headers);
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const method = req.method ?? "GET";
    let body: unknown;
    let bodyError: HttpError | null = null;
    try {
      body = await readRequestBody(req);
    } catch (err) {
      bodyError = err instanceof HttpError ? err : new HttpError(400, "unreadable body");
    }
    const entry = state.log.record({
      method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ""),
      headers: headerMap(req),
      body,
    });
    const answer = (status: number, payload: unknown, headers?: Record<string, string>) => {
      entry.status = status;
      sendJson(res, status, payload, headers);
    };
    try {
      if (url.pathname.startsWith("/api/")) {
        const key = req.headers["x-api-key"];
        const ok =
          typeof key === "string" && key !== "" && (opts.apiKey === undefined || key === opts.apiKey);
        if (!ok) return answer(401, { detail: "Invalid or missing API key" });
        const jwtIssue = key.startsWith("eyJ") ? jwtProblem(v025, key) : null;
        if (jwtIssue) return answer(401, { detail: jwtIssue });
      }
      const action = faults.next(method, url.pathname);
      if (action && (await applyFault(action, res, body, entry))) return;
      if (bodyError) throw bodyError;
      const found = router.match(method, url.pathname);
      if (!("handler" in found)) {
        return answer(found.methodMismatch ? 405 : 404, {
          detail: found.methodMismatch ? "Method Not Allowed" : "Not Found",
        });
      }
      const result = await found.handler({
        req,
        res,
        method,
        path: url.pathname,
        query: url.searchParams,
        params: found.params,
        body,
        entry,
      });
      if ("raw" in result) {
        entry.status = res.statusCode;
        return;
      }
      answer(result.status, result.body, result.headers);
    } catch (err) {
      if (err instanceof HttpError) return answer(err.status, err.body);
      answer(500, { detail: err instanceof Error ? err.message : "internal error" });
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? "127.0.0.1";
  baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | null = null;
  return {
    url: baseUrl,
    port,
    log: state.log,
    faults,
    state,
    dataDir,
    v025,
    close() {
      closing ??= (async () => {
        state.futures.close();
        for (const t of timers) clearTimeout(t);
        timers.clear();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
