/**
 * A loopback server replaying one 0.25.0 scenario: each request tinker-ts sends is matched to a
 * transcript line, answered with that line's recorded response (protobuf bodies re-encoded from
 * their decoded form) and compared with the recorded request: JSON bodies by value (summaries by
 * length/head/tail/hash), protobuf bodies decoded, by length and canonical hash (after zstd), and
 * the headers that carry meaning. Matching: futures by `request_id`, heartbeats and telemetry in
 * order within their path, everything else the next unmatched line of the same method and path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeFromDisplay } from "../../src/protocol/v0_25/codec.js";
import { checkProtobufRequest, isProtobufRequest, messageBytes } from "./bodies.js";
import { type Json, loadTranscriptV025, type ScenarioV025, type TranscriptLineV025 } from "./golden.js";
import { diffAgainstRecorded } from "./match.js";

/** Headers compared by value (lower case); the rest are ignored (platform, host, lengths, order). */
const COMPARED_HEADERS = [
  "accept",
  "content-type",
  "content-encoding",
  "x-stainless-package-version",
  "x-stainless-read-timeout",
  "x-stainless-retry-count",
  "x-tinker-request-type",
  "x-tinker-request-iteration",
] as const;

/** Options of a replay. */
export interface ReplayV025Options {
  /** Our credential for each recorded `x-api-key` placeholder (`<api-key>` → the test key). */
  credentials?: Record<string, string>;
  /** Lines this test does not drive (not reported missing). */
  optional?: (line: TranscriptLineV025) => boolean;
}

interface Received {
  line: TranscriptLineV025 | undefined;
  diffs: string[];
}

function streamOf(path: string): string {
  if (path === "/api/v1/telemetry") return "telemetry";
  if (path === "/api/v1/session_heartbeat") return "heartbeat";
  return "main";
}

/** The replay server of one scenario. */
export class ReplayServerV025 {
  readonly received: Received[] = [];
  readonly #lines: TranscriptLineV025[];
  readonly #used = new Set<number>();
  readonly #opts: ReplayV025Options;
  #server!: Server;
  baseUrl = "";

  private constructor(name: ScenarioV025, opts: ReplayV025Options) {
    this.#lines = loadTranscriptV025(name);
    this.#opts = opts;
  }

  static async start(name: ScenarioV025, opts: ReplayV025Options = {}): Promise<ReplayServerV025> {
    const r = new ReplayServerV025(name, opts);
    r.#server = createServer((req, res) => {
      void r.#handle(req, res);
    });
    await new Promise<void>((ok) => r.#server.listen(0, "127.0.0.1", ok));
    r.baseUrl = `http://127.0.0.1:${(r.#server.address() as AddressInfo).port}`;
    return r;
  }

  #match(method: string, path: string, body: unknown): TranscriptLineV025 | undefined {
    const requestId =
      path === "/api/v1/retrieve_future" && body !== null && typeof body === "object"
        ? (body as { request_id?: unknown }).request_id
        : undefined;
    return this.#lines.find(
      (l) =>
        !this.#used.has(l.seq) &&
        l.method === method &&
        l.path === path &&
        (requestId === undefined || (l.body as { request_id?: unknown } | null)?.request_id === requestId),
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = new Uint8Array(Buffer.concat(chunks));
    const [path = "", query = ""] = (req.url ?? "").split("?");
    const protobuf = (req.headers["content-type"] ?? "").includes("x-protobuf");
    let body: unknown = null;
    if (!protobuf && raw.byteLength > 0) {
      try {
        body = JSON.parse(Buffer.from(raw).toString("utf8"));
      } catch {
        body = Buffer.from(raw).toString("utf8");
      }
    }
    const line = this.#match(req.method ?? "", path, body);
    const diffs: string[] = [];
    if (!line) {
      if (streamOf(path) !== "telemetry") diffs.push(`unexpected request ${req.method} ${path}`);
      this.received.push({ line, diffs });
      res.writeHead(streamOf(path) === "telemetry" ? 200 : 599, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "accepted" }));
      return;
    }
    this.#used.add(line.seq);
    const at = `seq ${line.seq} ${line.method} ${line.path}`;
    if (streamOf(path) === "telemetry") {
      // Telemetry bodies are compared by the 0.4.1 suite; here only that a batch went out.
    } else if (isProtobufRequest(line)) {
      const enc = req.headers["content-encoding"];
      diffs.push(
        ...checkProtobufRequest(line, await messageBytes(raw, typeof enc === "string" ? enc : undefined)),
      );
    } else {
      // A credential the SDK put in a body (weights_access_token) is recorded as its placeholder.
      const recorded = substituteCredentials(line.body, this.#opts.credentials ?? {});
      diffs.push(...diffAgainstRecorded(recorded, body as Json, `${at} body`));
    }
    if (line.query !== query)
      diffs.push(`${at}: query ${JSON.stringify(query)} != ${JSON.stringify(line.query)}`);
    for (const name of COMPARED_HEADERS) {
      const recorded = line.headers[name];
      const ours = req.headers[name];
      const r = Array.isArray(recorded) ? recorded.join(", ") : recorded;
      const o = Array.isArray(ours) ? ours.join(", ") : ours;
      if (r !== o) diffs.push(`${at}: header ${name} ${JSON.stringify(o)} != ${JSON.stringify(r)}`);
    }
    const recordedKey = line.headers["x-api-key"];
    if (typeof recordedKey === "string") {
      const want = this.#opts.credentials?.[recordedKey];
      if (want === undefined) diffs.push(`${at}: no credential mapped for ${recordedKey}`);
      else if (req.headers["x-api-key"] !== want)
        diffs.push(`${at}: x-api-key is not the ${recordedKey} credential`);
    }
    if (
      (line.headers["x-idempotency-key"] !== undefined) !==
      (req.headers["x-idempotency-key"] !== undefined)
    ) {
      diffs.push(`${at}: x-idempotency-key presence differs`);
    }
    this.received.push({ line, diffs });
    const r = line.response;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) {
      if (k.toLowerCase() !== "connection" && k.toLowerCase() !== "content-length") headers[k] = v;
    }
    if (r.body_format === "protobuf") {
      const bytes = encodeFromDisplay(r.body as { [k: string]: Json });
      res.writeHead(r.status, { ...headers, "content-type": "application/x-protobuf" });
      res.end(bytes);
      return;
    }
    res.writeHead(r.status, { "content-type": "application/json", ...headers });
    res.end(r.body === null ? "" : JSON.stringify(r.body));
  }

  /** Every difference: per request, then lines never sent (unless optional). */
  report(): string[] {
    const out = this.received.flatMap((r) => r.diffs);
    for (const l of this.#lines) {
      if (this.#used.has(l.seq) || streamOf(l.path) === "telemetry") continue;
      if (this.#opts.optional?.(l)) continue;
      out.push(`seq ${l.seq} ${l.method} ${l.path}: never sent`);
    }
    return out;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((ok) => this.#server.close(() => ok()));
  }
}

/** `value` with every string that is a credential placeholder replaced by our credential. */
function substituteCredentials(value: Json, credentials: Record<string, string>): Json {
  if (typeof value === "string") return credentials[value] ?? value;
  if (Array.isArray(value)) return value.map((v) => substituteCredentials(v, credentials));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteCredentials(v, credentials)]),
    );
  }
  return value;
}
