/**
 * A loopback server replaying one 0.25.0 scenario: each request tinker-ts sends is matched to a
 * transcript line, answered with that line's recorded response (protobuf bodies re-encoded from
 * their decoded form) and compared with the recorded request: JSON bodies by value (summaries by
 * length/head/tail/hash), protobuf bodies decoded, by length and canonical hash (after zstd), and
 * the headers that carry meaning. Matching: futures by `request_id`, protobuf submits by `seq_id`,
 * heartbeats and telemetry in order within their path, everything else the next unmatched line of
 * the same method and path.
 * A line whose fault delayed the answer (`delay_s`, a read timeout) is never answered unless
 * `delayMs` says how long to hold it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { encodeFromDisplay } from "../../src/protocol/v0_25/codec.js";
import { compareTelemetryBody } from "../parity/compare.js";
import { checkProtobufRequest, isProtobufRequest, messageBytes, protobufSeqId } from "./bodies.js";
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
  /**
   * JWTs in place of the recorded `<jwt#N>` placeholders: an `auth/token` answer of `<jwt#N>`
   * gets a real JWT minted at `now()` with `exp = iat + ttls[N-1]` (default 3600 s), and `<jwt#N>`
   * in a recorded `x-api-key` then means that JWT.
   */
  jwt?: { now: () => number; ttls?: readonly number[] };
  /**
   * Compare telemetry batches too (`compareTelemetryBody` of the 0.4.1 suite, after mapping the
   * `<process-uuid#N>` / `sessionless-<uuid#N>` placeholders one-to-one onto our values) and report
   * unsent telemetry lines. Off by default: telemetry then only has to be answered.
   */
  telemetry?: boolean;
  /**
   * The full decoded body to answer for a protobuf response the transcript only summarises (large
   * arrays); undefined: the recorded body as is.
   */
  responseBody?: (line: TranscriptLineV025) => Json | undefined;
  /** Milliseconds (real time) to hold the answer to a line, as the recorder's `delay_s` faults did. */
  delayMs?: (line: TranscriptLineV025) => number;
}

/** Claims of the golden recorder's JWTs (README "What the fake server answered"). */
export const GOLDEN_JWT_USER = { sub: "urn:tinker:user:golden-user", email: "golden@example.invalid" };

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

/** Placeholders of 0.25 telemetry batches (README "Normalisation added for 0.25"). */
const PROCESS_UUID = /^<process-uuid#\d+>$/;
const SESSIONLESS = /^sessionless-<uuid#\d+>$/;
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

interface Received {
  line: TranscriptLineV025 | undefined;
  diffs: string[];
  /** Other requests to the same path that had arrived and were not yet answered. */
  inFlight: number;
  /** A tolerated close() batch (see isCloseBatch): nothing but telemetry may follow it. */
  closeBatch?: boolean;
}

/**
 * A batch only close() sends (docs/parity.md: tinker-ts flushes on close, the SDK drops what is
 * queued): it matched no recorded line (all were used) and is a session's ending in SESSION_END,
 * or a session-less holder's. Tolerated, as the 0.4.1 replay tolerates trailing telemetry.
 */
function isCloseBatch(body: unknown): boolean {
  if (body === null || typeof body !== "object") return false;
  const { session_id: sid, events } = body as { session_id?: unknown; events?: unknown };
  if (!Array.isArray(events)) return false;
  if (typeof sid === "string" && sid.startsWith("sessionless-")) return true;
  return (events.at(-1) as { event?: unknown } | undefined)?.event === "SESSION_END";
}

/**
 * Our events with `request_headers`/`response_headers` replaced by `"<headers>"` where the
 * recording has that placeholder (README "Normalisation added for 0.25") and ours is a header
 * object (string values); anything else is left for the comparison to report.
 */
function normaliseHeaders(recorded: Json | undefined, ours: unknown, at: string, out: string[]): unknown {
  if (!Array.isArray(recorded) || !Array.isArray(ours)) return ours;
  return ours.map((ev: unknown, i) => {
    const rec = (recorded[i] as { event_data?: { [k: string]: Json } } | undefined)?.event_data;
    const data = (ev as { event_data?: unknown } | null)?.event_data;
    if (!rec || data === null || typeof data !== "object") return ev;
    const copy = { ...(data as Record<string, unknown>) };
    for (const k of ["request_headers", "response_headers"]) {
      if (rec[k] !== "<headers>" || !(k in copy)) continue;
      const h = copy[k];
      const isHeaders =
        h !== null && typeof h === "object" && Object.values(h).every((v) => typeof v === "string");
      if (isHeaders) copy[k] = "<headers>";
      else
        out.push(`${at}: events[${i}].event_data.${k}: expected a header object, got ${JSON.stringify(h)}`);
    }
    return { ...(ev as object), event_data: copy };
  });
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
  /** Recorded idempotency key → ours, and back. */
  readonly #keys = new Map<string, string>();
  readonly #keysBack = new Map<string, string>();
  readonly #open = new Map<string, number>();
  readonly #opts: ReplayV025Options;
  readonly #credentials: Record<string, string>;
  /** Placeholder ↔ our value, both ways (a bijection over the scenario). */
  readonly #placeholders = new Map<string, string>();
  readonly #waiters = new Set<() => void>();
  #server!: Server;
  baseUrl = "";

  private constructor(name: ScenarioV025, opts: ReplayV025Options) {
    this.#lines = loadTranscriptV025(name);
    this.#opts = opts;
    this.#credentials = { ...opts.credentials };
  }

  /** The JWT standing for `<jwt#n>` (minted on first use at the `jwt.now()` of that moment). */
  jwt(n: number): string {
    const key = `<jwt#${n}>`;
    const known = this.#credentials[key];
    if (known !== undefined) return known;
    const o = this.#opts.jwt;
    if (!o) throw new Error(`replay: ${key} needs the jwt option`);
    const iat = Math.floor(o.now() / 1000);
    const claims = {
      ...GOLDEN_JWT_USER,
      iss: "golden",
      jti: `jwt-${n}`,
      iat,
      exp: iat + (o.ttls?.[n - 1] ?? 3600),
    };
    const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.golden`;
    this.#credentials[key] = token;
    return token;
  }

  /** A recorded body with its `<jwt#N>` strings replaced by the JWTs they stand for. */
  #withJwts(body: Json): Json {
    if (typeof body === "string") {
      const m = /^<jwt#(\d+)>$/.exec(body);
      return m ? this.jwt(Number(m[1])) : body;
    }
    if (Array.isArray(body)) return body.map((b) => this.#withJwts(b));
    if (body !== null && typeof body === "object") {
      const out: { [k: string]: Json } = {};
      for (const [k, v] of Object.entries(body)) out[k] = this.#withJwts(v);
      return out;
    }
    return body;
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

  #match(method: string, path: string, body: unknown, seqId?: number): TranscriptLineV025 | undefined {
    const requestId =
      path === "/api/v1/retrieve_future" && body !== null && typeof body === "object"
        ? (body as { request_id?: unknown }).request_id
        : undefined;
    return this.#lines.find(
      (l) =>
        !this.#used.has(l.seq) &&
        l.method === method &&
        l.path === path &&
        (requestId === undefined || (l.body as { request_id?: unknown } | null)?.request_id === requestId) &&
        (seqId === undefined || (l.body as { seq_id?: unknown } | null)?.seq_id === seqId),
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const urlPath = (req.url ?? "").split("?")[0] ?? "";
    const inFlight = this.#open.get(urlPath) ?? 0;
    this.#open.set(urlPath, inFlight + 1);
    res.on("finish", () => this.#open.set(urlPath, (this.#open.get(urlPath) ?? 1) - 1));
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
    const enc = req.headers["content-encoding"];
    const message = protobuf ? await messageBytes(raw, typeof enc === "string" ? enc : undefined) : raw;
    // Protobuf submits sent at the same time (parallel chunks) are matched by their seq_id.
    const line = this.#match(req.method ?? "", path, body, protobuf ? protobufSeqId(message) : undefined);
    const diffs: string[] = [];
    if (!line) {
      const closeBatch =
        streamOf(path) === "telemetry" && this.#opts.telemetry === true && isCloseBatch(body);
      if (streamOf(path) !== "telemetry" || (this.#opts.telemetry && !closeBatch))
        diffs.push(`unexpected request ${req.method} ${path}`);
      this.received.push({ line, diffs, inFlight, ...(closeBatch ? { closeBatch } : {}) });
      res.writeHead(streamOf(path) === "telemetry" ? 200 : 599, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: "accepted" }));
      return;
    }
    this.#used.add(line.seq);
    const at = `seq ${line.seq} ${line.method} ${line.path}`;
    if (streamOf(path) === "telemetry") {
      // Compared only when the test asks (telemetry option); otherwise only that a batch went out.
      if (this.#opts.telemetry) diffs.push(...this.#compareTelemetry(line, body, at));
    } else if (isProtobufRequest(line)) {
      diffs.push(...checkProtobufRequest(line, message));
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
      const want = this.#credentials[recordedKey];
      if (want === undefined) diffs.push(`${at}: no credential mapped for ${recordedKey}`);
      else if (req.headers["x-api-key"] !== want)
        diffs.push(`${at}: x-api-key is not the ${recordedKey} credential`);
    }
    const recordedIdem = line.headers["x-idempotency-key"];
    const ourIdem = req.headers["x-idempotency-key"];
    if ((recordedIdem !== undefined) !== (ourIdem !== undefined)) {
      diffs.push(`${at}: x-idempotency-key presence differs`);
    } else if (typeof recordedIdem === "string" && typeof ourIdem === "string" && streamOf(path) === "main") {
      // Same recorded key (`<uuid#N>`) ⇔ same key of ours: HTTP retries keep it, SDK re-sends not.
      const mine = this.#keys.get(recordedIdem);
      const theirs = this.#keysBack.get(ourIdem);
      if ((mine !== undefined && mine !== ourIdem) || (theirs !== undefined && theirs !== recordedIdem)) {
        diffs.push(`${at}: x-idempotency-key reuse differs from the recording`);
      }
      this.#keys.set(recordedIdem, ourIdem);
      this.#keysBack.set(ourIdem, recordedIdem);
    }
    this.received.push({ line, diffs, inFlight });
    for (const w of this.#waiters) w();
    const delay = this.#opts.delayMs?.(line);
    const delayS = (line.fault as { delay_s?: unknown } | null)?.delay_s;
    if (delay !== undefined) {
      if (delay > 0) await new Promise((ok) => setTimeout(ok, delay));
    } else if (typeof delayS === "number") {
      // The recording server answered too late for the SDK's read timeout: answer never, and let
      // the client give up (it closes the connection), whatever its timer is.
      await new Promise<void>((ok) => res.once("close", () => ok()));
      return;
    }
    const r = line.response;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) {
      if (k.toLowerCase() !== "connection" && k.toLowerCase() !== "content-length") headers[k] = v;
    }
    if (r.body_format === "protobuf") {
      // Bytes that are not a message (`__undecodable__`) go out as recorded.
      const full = this.#opts.responseBody?.(line) ?? r.body;
      const raw = (full as { __undecodable__?: boolean; base64?: string } | null) ?? {};
      const bytes =
        raw.__undecodable__ === true && typeof raw.base64 === "string"
          ? Buffer.from(raw.base64, "base64")
          : encodeFromDisplay(full as { [k: string]: Json });
      res.writeHead(r.status, { ...headers, "content-type": "application/x-protobuf" });
      res.end(bytes);
      return;
    }
    res.writeHead(r.status, { "content-type": "application/json", ...headers });
    res.end(r.body === null ? "" : JSON.stringify(this.#opts.jwt ? this.#withJwts(r.body) : r.body));
  }

  // A recorded placeholder matches our value when it is (or becomes) its only partner.
  #samePlaceholder(recorded: string, ours: unknown, shape: RegExp): boolean {
    if (typeof ours !== "string" || !shape.test(ours)) return false;
    const a = this.#placeholders.get(recorded);
    const b = this.#placeholders.get(`=${ours}`);
    if (a === undefined && b === undefined) {
      this.#placeholders.set(recorded, ours);
      this.#placeholders.set(`=${ours}`, recorded);
      return true;
    }
    return a === ours && b === recorded;
  }

  #compareTelemetry(line: TranscriptLineV025, body: unknown, at: string): string[] {
    const recorded = line.body as { [k: string]: Json };
    if (body === null || typeof body !== "object") return [`${at}: body is not a telemetry batch`];
    const ours = { ...(body as Record<string, unknown>) };
    const out: string[] = [];
    const pu = recorded["process_uuid"];
    if (typeof pu === "string" && PROCESS_UUID.test(pu)) {
      if (this.#samePlaceholder(pu, ours["process_uuid"], new RegExp(`^${UUID}$`))) ours["process_uuid"] = pu;
      else out.push(`${at}: process_uuid ${JSON.stringify(ours["process_uuid"])} is not ${pu}'s uuid`);
    }
    const sid = recorded["session_id"];
    if (typeof sid === "string" && SESSIONLESS.test(sid)) {
      if (this.#samePlaceholder(sid, ours["session_id"], new RegExp(`^sessionless-${UUID}$`)))
        ours["session_id"] = sid;
      else out.push(`${at}: session_id ${JSON.stringify(ours["session_id"])} is not ${sid}`);
    }
    ours["events"] = normaliseHeaders(recorded["events"], ours["events"], at, out);
    compareTelemetryBody(recorded, ours, out);
    return out.map((d) => (d.startsWith(at) ? d : `${at}: ${d}`));
  }

  /** Resolves once line `seq` has been answered (rejects after `timeoutMs` of real time). */
  waitForLine(seq: number, timeoutMs = 3_000): Promise<void> {
    if (this.#used.has(seq)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.#used.has(seq)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(`line ${seq} not received within ${timeoutMs} ms; so far: ${this.report().join("; ")}`),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Every difference: per request, then lines never sent (unless optional). */
  report(): string[] {
    const out = this.received.flatMap((r) => r.diffs);
    // A close() batch is tolerated only at the end: a request (other than telemetry) after it means
    // it was an extra batch mid-scenario.
    const firstClose = this.received.findIndex((r) => r.closeBatch);
    if (
      firstClose >= 0 &&
      this.received.slice(firstClose).some((r) => r.line && streamOf(r.line.path) !== "telemetry")
    )
      out.push(
        "an unrecorded telemetry batch ending in SESSION_END came before other requests (not a close() batch)",
      );
    for (const l of this.#lines) {
      if (this.#used.has(l.seq) || (streamOf(l.path) === "telemetry" && !this.#opts.telemetry)) continue;
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
