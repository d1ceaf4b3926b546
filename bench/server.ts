/**
 * A minimal, fast Tinker API on loopback for the benchmarks: every submit answers a request id at
 * once and `retrieve_future` answers a canned result (optionally after holding the poll), so the
 * server is never what limits a figure. Counts the connections clients open.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A running bench server. */
export interface BenchServer {
  readonly url: string;
  /** Hold each poll this long before answering (ms). */
  holdMs: number;
  /** The headers of the first request seen on `path` (so a raw loop can send the same request). */
  headersFor(path: string): Record<string, string>;
  /** Connections opened so far, and the most open at once. */
  readonly sockets: { total: number; open: number; maxOpen: number };
  close(): Promise<void>;
}

const RESULTS: Record<string, string> = {
  sample: JSON.stringify({
    type: "sample",
    sequences: [{ stop_reason: "length", tokens: [1, 2, 3, 4], logprobs: [-0.1, -0.2, -0.3, -0.4] }],
    prompt_logprobs: null,
  }),
  forward_backward: JSON.stringify({
    loss_fn_output_type: "cross_entropy",
    loss_fn_outputs: [{ logprobs: { data: [-1, -2, -3, -4], dtype: "float32", shape: [4] } }],
    metrics: { "loss:sum": 10 },
  }),
  optim_step: JSON.stringify({ metrics: { "grad_norm:mean": 1 } }),
  create_model: JSON.stringify({ model_id: "bench-model" }),
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

// Hop-by-hop and length headers are the HTTP client's business, not part of the request's content.
function copyHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined && !["host", "content-length", "connection"].includes(k)) out[k] = String(v);
  }
  return out;
}

function send(res: ServerResponse, body: string): void {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** Start the bench server on 127.0.0.1 (ephemeral port). */
export async function startBenchServer(): Promise<BenchServer> {
  let next = 0;
  const kinds = new Map<string, string>();
  const sockets = { total: 0, open: 0, maxOpen: 0 };
  const submit = (res: ServerResponse, kind: string) => {
    const id = `r${++next}`;
    kinds.set(id, kind);
    send(res, `{"request_id":"${id}"}`);
  };
  const state = { holdMs: 0 };
  const seenHeaders = new Map<string, Record<string, string>>();
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (!seenHeaders.has(path)) seenHeaders.set(path, copyHeaders(req));
    switch (path) {
      case "/api/v1/create_session":
        return send(res, '{"session_id":"bench-session"}');
      case "/api/v1/create_sampling_session":
        return send(res, '{"sampling_session_id":"bench-sampler"}');
      case "/api/v1/asample":
        return submit(res, "sample");
      case "/api/v1/forward_backward":
      case "/api/v1/forward":
        return submit(res, "forward_backward");
      case "/api/v1/optim_step":
        return submit(res, "optim_step");
      case "/api/v1/create_model":
        return submit(res, "create_model");
      case "/api/v1/retrieve_future": {
        const id = (JSON.parse(body) as { request_id: string }).request_id;
        const kind = kinds.get(id) ?? "sample";
        kinds.delete(id);
        if (state.holdMs > 0) await new Promise((r) => setTimeout(r, state.holdMs));
        return send(res, RESULTS[kind] as string);
      }
      default:
        return send(res, "{}");
    }
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", (s: Socket) => {
    sockets.total++;
    sockets.open++;
    sockets.maxOpen = Math.max(sockets.maxOpen, sockets.open);
    s.on("close", () => sockets.open--);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get holdMs() {
      return state.holdMs;
    },
    set holdMs(ms: number) {
      state.holdMs = ms;
    },
    sockets,
    headersFor: (path) => seenHeaders.get(path) ?? { "content-type": "application/json" },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
