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
import { HttpError, readBody, sendJson, sendJsonYielding } from "./http-util.js";
import { type IdempotencyOptions, IdempotencyStore, type StoredAnswer } from "./idempotency.js";
import { DEFAULT_LIMITS, type EmulatorLimits } from "./limits.js";
import { createTinyEngine } from "./model/index.js";
import { type LoggedRequest, RequestLog, type RequestLogLimits } from "./request-log.js";
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
  credentialKind,
  type EmulatorV025Options,
  jwtProblem,
  decodeRequestBody,
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
  /** Per-request limits (body size, tokens, samples, datums); see {@link EmulatorLimits} for the defaults. */
  readonly limits?: Partial<EmulatorLimits>;
  /** Bounds of the request log (default 20 000 entries, 64 MiB of bodies). */
  readonly log?: RequestLogLimits;
  /** Idempotency store: how long answers are replayed (default 10 minutes) and how many are kept. */
  readonly idempotency?: Omit<IdempotencyOptions, "now">;
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

/**
 * Splits a request target into path and query without resolving it as a URL (a target such as
 * `//[::1/x` would otherwise throw, or be read as a host); null when it is not an origin-form path.
 */
function splitTarget(target: string): { path: string; query: URLSearchParams } | null {
  if (!target.startsWith("/")) return null;
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const hash = path.indexOf("#");
  return {
    path: hash < 0 ? path : path.slice(0, hash),
    query: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)),
  };
}

/** Replaces the data directory in a message, so no answer reveals the emulator's file layout. */
export function scrubPaths(message: string, dataDir: string): string {
  return message.split(dataDir).join("<data-dir>");
}

/** Bodies larger than this are parsed, hashed and validated in separate turns of the event loop. */
const YIELD_AFTER_BODY_BYTES = 256 * 1024;

/** Routes whose repeats are answered afresh: reads and liveness, where replaying a stale answer is wrong. */
const REPLAY_EXEMPT = new Set(["/api/v1/retrieve_future", "/api/v1/session_heartbeat", "/api/v1/telemetry"]);

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
  const scrub = (message: string) => scrubPaths(message, dataDir);
  const limits: EmulatorLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const state: EmulatorState = {
    store: new Store(opts.engine ?? createTinyEngine(), dataDir, now),
    futures: new FuturesStore({ resultTtlMs: opts.resultTtlMs ?? 600_000, now, scrub }),
    log: new RequestLog(opts.log),
    limits,
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

  const idempotency = new IdempotencyStore({ ...opts.idempotency, now });

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
      if (!r.stallAnswerMs) entry.fault = undefined;
      return false;
    }
    const headers: Record<string, string> = { ...r.headers };
    if (r.retryAfterMs !== undefined) headers["retry-after-ms"] = String(r.retryAfterMs);
    if (r.shouldRetry !== undefined) headers["x-should-retry"] = String(r.shouldRetry);
    entry.status = r.status;
    sendJson(res, r.status, r.body ?? { detail: "injected fault" }, headers);
    return true;
  };

  /** Answers a request refused before its body was read; the connection closes so the body is not kept. */
  const refuse = (res: ServerResponse, entry: LoggedRequest, err: HttpError) => {
    entry.status = err.status;
    sendJson(res, err.status, err.body, { connection: "close" });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const target = splitTarget(req.url ?? "/");
    const headers = headerMap(req);
    if (target === null) {
      const entry = state.log.record({ method, path: "", query: "", headers, body: undefined });
      return refuse(res, entry, new HttpError(400, "malformed request target"));
    }
    const { path, query } = target;
    const logRefused = () =>
      state.log.record({ method, path, query: query.toString(), headers, body: undefined });
    // The key is checked before the body is read, so an unauthenticated client cannot make the
    // emulator buffer anything.
    if (path.startsWith("/api/")) {
      const key = req.headers["x-api-key"];
      const ok = typeof key === "string" && key !== "" && (opts.apiKey === undefined || key === opts.apiKey);
      if (!ok) return refuse(res, logRefused(), new HttpError(401, "Invalid or missing API key"));
      // An expired or revoked JWT is refused before the body is read too.
      const jwtIssue = key.startsWith("eyJ") ? jwtProblem(v025, key) : null;
      if (jwtIssue) {
        const refused = logRefused();
        refused.credential = credentialKind(key);
        return refuse(res, refused, new HttpError(401, jwtIssue));
      }
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, limits.maxBodyBytes);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(400, "unreadable body");
      return refuse(res, logRefused(), e);
    }
    let body: unknown;
    let bodyError: HttpError | null = null;
    try {
      body = await decodeRequestBody(raw, req.headers);
    } catch (err) {
      bodyError = err instanceof HttpError ? err : new HttpError(400, "unreadable body");
    }
    // A large body took a while to parse: let the event loop turn before validating and routing it.
    if (raw.length > YIELD_AFTER_BODY_BYTES) await new Promise<void>((r) => setImmediate(r));
    const entry = state.log.record({ method, path, query: query.toString(), headers, body }, raw.length);
    let stallMs = 0;
    const answer = async (status: number, payload: unknown, extra?: Record<string, string>) => {
      if (stallMs > 0) await sleep(stallMs, timers);
      entry.status = status;
      await sendJsonYielding(res, status, payload, extra);
    };
    let finish: ((a: StoredAnswer | null) => void) | null = null;
    try {
      if (path.startsWith("/api/")) {
        const key = req.headers["x-api-key"];
        if (typeof key === "string" && key !== "") entry.credential = credentialKind(key);
      }
      const action = faults.next(method, path);
      if (action && (await applyFault(action, res, body, entry))) return;
      stallMs = action?.rule.stallAnswerMs ?? 0;
      if (bodyError) throw bodyError;
      const found = router.match(method, path);
      if (!("handler" in found)) {
        return await answer(found.methodMismatch ? 405 : 404, {
          detail: found.methodMismatch ? "Method Not Allowed" : "Not Found",
        });
      }
      const key = req.headers["x-idempotency-key"];
      if (typeof key === "string" && key !== "" && method !== "GET" && !REPLAY_EXEMPT.has(path)) {
        const decision = await idempotency.begin(key, method, path, raw);
        if (decision.kind === "replay") {
          entry.replayed = true;
          const a = decision.answer;
          return await answer(a.status, a.body, a.headers);
        }
        finish = decision.finish;
        if (raw.length > YIELD_AFTER_BODY_BYTES) await new Promise<void>((r) => setImmediate(r));
      }
      const result = await found.handler({
        req,
        res,
        method,
        path,
        query,
        params: found.params,
        body,
        entry,
      });
      if ("raw" in result) {
        finish?.(null);
        entry.status = res.statusCode;
        return;
      }
      finish?.(result.status >= 200 && result.status < 300 ? result : null);
      finish = null;
      await answer(result.status, result.body, result.headers);
    } catch (err) {
      finish?.(null);
      if (err instanceof HttpError) return await answer(err.status, err.body);
      await answer(500, { detail: scrub(err instanceof Error ? err.message : "internal error") });
    }
  };

  const server = createServer((req, res) => {
    // Last line of defence: nothing a request does may end the process hosting the emulator.
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { detail: "internal error" });
      else res.destroy();
    });
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
