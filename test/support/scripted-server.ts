/**
 * Loopback HTTP server for tests: scripted responses per route and a log of every request.
 *
 * Usage:
 *   const server = await startScriptedServer();          // 127.0.0.1, ephemeral port
 *   server.script("POST /api/v1/forward", { status: 500 }, { status: 200, body: { ok: true } });
 *   ... call server.url ...
 *   server.requests  // [{ method, url, path, headers, body, arrivedAt }]
 *   await server.close();                                 // in afterEach/afterAll
 *
 * Routes are "METHOD /path" (query string ignored). Each scripted step is used once, in order;
 * when a route's queue is empty the default handler answers (200 `{}` unless set via `setDefault`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

/** One scripted response. */
export interface ScriptedResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  /** Sent verbatim instead of `body` (content-type not set automatically). */
  raw?: string | Buffer;
  /** gzip the payload and set content-encoding: gzip. */
  gzip?: boolean;
  /** Wait before answering (real ms; keep small). */
  delayMs?: number;
  /** Destroy the socket instead of answering (a connection error for the client). */
  reset?: boolean;
  /** Called when the request arrives, before any delay (e.g. to observe overlap). */
  onRequest?: (req: RecordedRequest) => void;
  /** Answer only once this settles (holds a request open without a timed delay). */
  hold?: Promise<unknown>;
}

/** A request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path plus query string as received. */
  url: string;
  /** Path without query. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body, raw text if not JSON, undefined if empty. */
  body: unknown;
  arrivedAt: number;
}

/** Handle on a running scripted server. */
export interface ScriptedServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Queue responses for "METHOD /path". */
  script(route: string, ...responses: ScriptedResponse[]): void;
  /** Response used when a route's queue is empty. */
  setDefault(response: ScriptedResponse | ((req: RecordedRequest) => ScriptedResponse)): void;
  /** Number of requests currently being handled (for overlap checks). */
  readonly inFlight: number;
  /** Max requests handled at once so far. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

/** Start a scripted server on 127.0.0.1 with an ephemeral port. */
export async function startScriptedServer(): Promise<ScriptedServer> {
  const queues = new Map<string, ScriptedResponse[]>();
  const requests: RecordedRequest[] = [];
  let fallback: ScriptedResponse | ((req: RecordedRequest) => ScriptedResponse) = {
    status: 200,
    body: {},
  };
  let inFlight = 0;
  let maxInFlight = 0;
  const timers = new Set<NodeJS.Timeout>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const url = req.url ?? "/";
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      url,
      path: url.split("?")[0] ?? url,
      headers,
      body,
      arrivedAt: Date.now(),
    };
    requests.push(rec);
    const queue = queues.get(`${rec.method} ${rec.path}`);
    const step = queue?.shift() ?? (typeof fallback === "function" ? fallback(rec) : fallback);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    step.onRequest?.(rec);
    if (step.delayMs) {
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          timers.delete(t);
          r();
        }, step.delayMs);
        timers.add(t);
      });
    }
    if (step.hold) await step.hold.catch(() => undefined);
    inFlight--;
    if (step.reset) {
      req.socket.destroy();
      return;
    }
    let payload: Buffer;
    const outHeaders: Record<string, string> = { ...(step.headers ?? {}) };
    if (step.raw !== undefined) payload = Buffer.from(step.raw);
    else {
      payload = Buffer.from(JSON.stringify(step.body ?? {}));
      outHeaders["content-type"] ??= "application/json";
    }
    if (step.gzip) {
      payload = gzipSync(payload);
      outHeaders["content-encoding"] = "gzip";
    }
    if (res.destroyed) return;
    res.writeHead(step.status ?? 200, outHeaders);
    res.end(payload);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(route, ...responses) {
      const q = queues.get(route) ?? [];
      q.push(...responses);
      queues.set(route, q);
    },
    setDefault(r) {
      fallback = r;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
